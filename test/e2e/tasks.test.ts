// Tasks (2025-11-25) end to end, with server-everything's `simulate-research-query`, a
// tool it runs only as a task (`taskSupport: "required"`, four one-second stages, and a
// question when the topic is ambiguous). An SDK v1 client may ask for a task and poll it
// through the gateway (sealed ids, get, result, cancel), or call the tool plainly: the
// gateway then runs it as a task and answers with its result, relaying its question. An
// SDK v2 client in 2026-07-28 mode, whose era has no such tasks, calls it plainly too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  type McpError,
} from "@modelcontextprotocol/sdk/types.js";
import {
  allStarted,
  auditLines,
  DEFAULT_KEY,
  eventually,
  startEverything,
  startGateway,
  Teardown,
  textOf,
  type Gateway,
} from "./harness.js";
import { callTool, connectModernClient, type ModernConnected } from "./modern-client.js";

const RESEARCH = "everything__simulate-research-query";
const RELATED_TASK = "io.modelcontextprotocol/related-task";
const OTHER_KEY = "mcpgw_e2e_other_agent_key";

const teardown = new Teardown();
let gateway: Gateway;
let legacy: LegacyClient;
let modern: ModernConnected;
/** Questions the v1 client was asked. */
const asked: unknown[] = [];
/** The task statuses the v1 client was told of. */
const statuses: Array<{ taskId: string; status: string }> = [];

async function legacyClient(key: string, elicitation: boolean): Promise<LegacyClient> {
  const client = new LegacyClient(
    { name: "e2e-tasks-v1", version: "1.0.0" },
    { capabilities: elicitation ? { elicitation: {} } : {} },
  );
  if (elicitation)
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params);
      const schema = (request.params as { requestedSchema?: { properties?: Record<string, unknown> } }).requestedSchema;
      const options = (schema?.properties?.["interpretation"] as { oneOf?: Array<{ const: string }> } | undefined)
        ?.oneOf;
      return { action: "accept", content: { interpretation: options?.[0]?.const ?? "programming" } };
    });
  await client.connect(
    new LegacyTransport(gateway.endpoint, { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
  );
  return teardown.adopt(Promise.resolve(client), (c) => c.close());
}

beforeAll(async () => {
  const [everything, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  await gateway.kv.put(
    "guard:topics",
    JSON.stringify({
      detect: { custom: "mask" },
      on: ["response"],
      patterns: [{ kind: "TOPIC", pattern: "zebra-\\d+" }],
    }),
  );
  await gateway.configure({
    servers: { everything: { url: everything.url, guards: ["topics"] } },
    agents: { other: { allow: { servers: ["*"] } } },
    apiKeys: { [OTHER_KEY]: "other" },
  });
  legacy = await legacyClient(DEFAULT_KEY, true);
  legacy.fallbackNotificationHandler = async (notification) => {
    if (notification.method === "notifications/tasks/status")
      statuses.push(notification.params as { taskId: string; status: string });
  };
  modern = await teardown.adopt(
    connectModernClient(gateway.endpoint, {
      apiKey: DEFAULT_KEY,
      negotiation: "modern",
      onElicit: () => ({ action: "accept", content: { interpretation: "programming" } }),
    }),
    (c) => c.close(),
  );
}, 60_000);

afterAll(() => teardown.run());

describe("tasks for an SDK v1 client", () => {
  it("are advertised, and a tool run only as a task is listed as one it may call either way", async () => {
    expect(legacy.getServerCapabilities()?.["tasks"]).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const { tools } = await legacy.listTools();
    const research = tools.find((t) => t.name === RESEARCH);
    expect(research?.execution).toEqual({ taskSupport: "optional" });
  });

  it("creates a task under a sealed id, polls it, and gets its result tied to that id", async () => {
    const created = await legacy.request(
      {
        method: "tools/call",
        params: { name: RESEARCH, arguments: { topic: "edge gateways" }, task: { ttl: 60_000 } },
      },
      CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    expect(id).toMatch(/^gwc1\./);
    expect(["working", "completed"]).toContain((await legacy.experimental.tasks.getTask(id)).status);
    const result = await legacy.experimental.tasks.getTaskResult(id, CallToolResultSchema);
    expect(textOf(result)).toContain("edge gateways");
    expect(result._meta?.[RELATED_TASK]).toEqual({ taskId: id });
    expect((await legacy.experimental.tasks.getTask(id)).status).toBe("completed");
    // Each is one audit line, naming the task's tool.
    await eventually("the audit line of tasks/result", () =>
      auditLines(gateway).find(
        (line) => line["method"] === "tasks/result" && line["name"] === "simulate-research-query",
      ),
    );
    expect(auditLines(gateway).find((line) => line["method"] === "tasks/get")).toMatchObject({
      event: "audit.upstream",
      server: "everything",
      name: "simulate-research-query",
    });
  }, 30_000);

  it("applies the tool's response guards to a task's result", async () => {
    const created = await legacy.request(
      { method: "tools/call", params: { name: RESEARCH, arguments: { topic: "zebra-42" }, task: {} } },
      CreateTaskResultSchema,
    );
    const result = await legacy.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
    expect(textOf(result)).toContain("<TOPIC>");
    expect(JSON.stringify(result)).not.toContain("zebra-42");
  }, 30_000);

  it("lists this session's tasks under their sealed ids, and tells of their status on the GET stream", async () => {
    const created = await legacy.request(
      { method: "tools/call", params: { name: RESEARCH, arguments: { topic: "listed" }, task: {} } },
      CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    const { tasks } = await legacy.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toContain(id);
    expect(tasks.every((t) => t.taskId.startsWith("gwc1."))).toBe(true);
    await legacy.experimental.tasks.getTaskResult(id, CallToolResultSchema);
    await expect
      .poll(() => statuses.filter((s) => s.taskId === id).map((s) => s.status), { timeout: 10_000 })
      .toContain("completed");
  }, 30_000);

  it("cancels a task", async () => {
    const created = await legacy.request(
      { method: "tools/call", params: { name: RESEARCH, arguments: { topic: "to cancel" }, task: {} } },
      CreateTaskResultSchema,
    );
    const cancelled = await legacy.experimental.tasks.cancelTask(created.task.taskId);
    expect(cancelled).toMatchObject({ taskId: created.task.taskId, status: "cancelled" });
  });

  it("refuses a task id that is not this caller's, as an unknown task", async () => {
    const created = await legacy.request(
      { method: "tools/call", params: { name: RESEARCH, arguments: { topic: "mine" }, task: {} } },
      CreateTaskResultSchema,
    );
    const other = await legacyClient(OTHER_KEY, false);
    const refused = (await other.experimental.tasks.getTask(created.task.taskId).catch((e: unknown) => e)) as McpError;
    expect(refused.code).toBe(-32602);
    const forged = (await legacy.experimental.tasks.getTask("gwc1.forged.tag").catch((e: unknown) => e)) as McpError;
    expect(forged.code).toBe(-32602);
    await legacy.experimental.tasks.cancelTask(created.task.taskId);
  });

  it("runs the tool as a task for a plain call, relaying its question, and answers with its result", async () => {
    const before = asked.length;
    const result = await legacy.callTool(
      { name: RESEARCH, arguments: { topic: "python", ambiguous: true } },
      undefined,
      {
        timeout: 30_000,
      },
    );
    expect(textOf(result)).toContain("python");
    expect(result._meta?.[RELATED_TASK]).toBeUndefined();
    expect(asked.length).toBe(before + 1);
  }, 30_000);
});

describe("a tool run only as a task, for an SDK v2 client in 2026-07-28 mode", () => {
  it("is listed without task support, and a plain call gets the task's result", async () => {
    const { tools } = await modern.client.listTools();
    expect(tools.find((t) => t.name === RESEARCH)?.execution?.taskSupport).toBeUndefined();
    const result = await callTool(modern, RESEARCH, { topic: "edge gateways" }, { timeoutMs: 30_000 });
    expect(textOf(result)).toContain("edge gateways");
  }, 30_000);

  it("asks the task's question as input_required; the client's retry completes it", async () => {
    const posts = modern.wire.length;
    const result = await callTool(modern, RESEARCH, { topic: "python", ambiguous: true }, { timeoutMs: 30_000 });
    expect(textOf(result)).toContain("programming");
    const calls = modern.wire.slice(posts).filter((w) => (w.body as { method?: string })?.method === "tools/call");
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body).toMatchObject({ params: { requestState: expect.stringMatching(/^gw-held\./) } });
  }, 30_000);
});
