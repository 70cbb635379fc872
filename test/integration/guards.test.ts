// Guards on the call path: what a guard masks, blocks or only logs, on the request side
// (nothing unchecked reaches the upstream: its own request log is the proof) and on the
// response side (the client never sees what was withheld), in both eras and through
// execute_tool; structured content kept valid against the tool's outputSchema; every
// decision audited without the value; a guard named but missing fails closed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs, type CapturedLogs } from "./support/logs.js";
import { AgentSession } from "./support/agent.js";
import { askModern } from "./support/hostile.js";
import type { RpcResponse } from "./support/client.js";
import { readStatus } from "./support/status.js";

const EMAIL = "ana.lima@example.com";
const PHONE = "+1 415 555 2671";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const PII = { email: "mask", phone: "mask", credit_card: "mask", iban: "mask", ip: "mask" } as const;
const TOOLS = ["echo", "customer", "customer_strict", "echo_structured"];

let tenant: FixtureTenant;
let logs: CapturedLogs;

beforeEach(async () => {
  tenant = FixtureTenant.create("guards");
  await tenant.configure({ tools: TOOLS });
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The arguments of the tools/call requests the upstream received. */
async function argumentsReceived(): Promise<unknown[]> {
  const stats = await tenant.stats();
  return stats.requests.filter((r) => r.method === "tools/call").map((r) => r.params?.["arguments"]);
}

function guardLines() {
  return logs.events("audit.guard");
}

/** No log line the gateway wrote holds any of these values. */
function expectNeverLogged(...values: string[]) {
  for (const line of logs.raw()) for (const value of values) expect(line).not.toContain(value);
}

function structured(response: RpcResponse) {
  expect(response.error).toBeUndefined();
  return response.result as {
    content: Array<{ type: string; text?: string; data?: string }>;
    structuredContent: unknown;
  };
}

describe("guards on the request side", () => {
  beforeEach(async () => {
    await seedConfig({
      servers: { a: { url: tenant.url, guards: ["pii-in"] } },
      guards: { "pii-in": { detect: { ...PII, secret: "block" }, on: ["request"] } },
    });
  });

  it("masks personal data in arguments before they reach the upstream, and audits each detector", async () => {
    const session = await AgentSession.open();
    const text = await session.callText("a__echo", { text: `mail ${EMAIL} or call ${PHONE}` });
    expect(text).toBe("mail <EMAIL> or call <PHONE>");
    expect(await argumentsReceived()).toEqual([{ text: "mail <EMAIL> or call <PHONE>" }]);
    expect(
      guardLines().map(({ guard, detections, count, action, side, server, name }) => ({
        guard,
        detections,
        count,
        action,
        side,
        server,
        name,
      })),
    ).toEqual([
      {
        guard: "pii-in",
        detections: [
          { detector: "email", count: 1, action: "mask" },
          { detector: "phone", count: 1, action: "mask" },
        ],
        count: 2,
        action: "mask",
        side: "request",
        server: "a",
        name: "echo",
      },
    ]);
    expectNeverLogged(EMAIL, PHONE);
  });

  it("blocks a request carrying a secret before anything is sent, naming guard and detector but not the value", async () => {
    const session = await AgentSession.open();
    const error = (await session.call("a__echo", { text: `key=${AWS_KEY}` })).error!;
    expect(error.code).toBe(-32017);
    expect(error.data).toMatchObject({ code: "GUARD_BLOCKED", guard: "pii-in", detector: "secret", side: "request" });
    expect(error.message).toContain("pii-in");
    expect(JSON.stringify(error)).not.toContain(AWS_KEY);
    expect(await argumentsReceived()).toEqual([]);
    expect(guardLines()).toEqual([
      expect.objectContaining({
        action: "block",
        count: 1,
        detections: [{ detector: "secret", count: 1, action: "block" }],
      }),
    ]);
    expectNeverLogged(AWS_KEY);
  });

  it("checks keys as well as values, anywhere in the arguments", async () => {
    const session = await AgentSession.open();
    const result = structured(
      await session.call("a__echo_structured", { [EMAIL]: { list: [1, true, null, `call ${PHONE}`] } }),
    );
    expect(result.structuredContent).toEqual({ "<EMAIL>": { list: [1, true, null, "call <PHONE>"] } });
    expect(await argumentsReceived()).toEqual([{ "<EMAIL>": { list: [1, true, null, "call <PHONE>"] } }]);
  });
});

describe("guards on the response side", () => {
  beforeEach(async () => {
    await seedConfig({
      servers: { a: { url: tenant.url, guards: ["pii-out"] } },
      guards: { "pii-out": { detect: { ...PII, secret: "mask" }, on: ["response"] } },
    });
  });

  it("masks text and structured content, keeping types and the outputSchema", async () => {
    const session = await AgentSession.open();
    const result = structured(await session.call("a__customer", { text: "VIP" }));
    const masked = {
      name: "Ana Lima",
      email: "<EMAIL>",
      phone: "<PHONE>",
      card: "<CREDIT_CARD>",
      orders: 3,
      notes: "VIP",
    };
    expect(result.structuredContent).toEqual(masked);
    expect(JSON.parse(result.content[0]!.text!)).toEqual(masked);
    expect(await argumentsReceived()).toEqual([{ text: "VIP" }]);
    expectNeverLogged(EMAIL, PHONE, "4111 1111 1111 1111");
  });

  it("blocks a result it cannot mask without breaking the tool's outputSchema", async () => {
    const session = await AgentSession.open();
    await session.tools(); // the client knows the schema; so does the gateway
    const error = (await session.call("a__customer_strict")).error!;
    expect(error.data).toMatchObject({ code: "GUARD_BLOCKED", guard: "pii-out", side: "response" });
    expect(error.message).toContain("outputSchema");
    expect(JSON.stringify(error)).not.toContain(EMAIL);
  });

  it("leaves binary content alone", async () => {
    const session = await AgentSession.open();
    const result = structured(await session.call("a__echo_structured", { note: AWS_KEY }));
    expect(result.structuredContent).toEqual({ note: "<SECRET>" });
    expect(result.content[1]).toEqual({ type: "image", mimeType: "image/png", data: AWS_KEY });
  });

  it("applies the same way to a 2026-07-28 client", async () => {
    const answer = await askModern("tools/call", { name: "a__customer" });
    expect((answer.result as { structuredContent: Record<string, unknown> }).structuredContent).toMatchObject({
      email: "<EMAIL>",
      orders: 3,
    });
  });
});

describe("guards that combine", () => {
  it("block wins over mask, mask over log; registration, agent and virtual server guards all apply", async () => {
    await seedConfig({
      servers: { a: { url: tenant.url, guards: ["mask-mail"] } },
      agents: { tester: { allow: { servers: ["*"] }, guards: ["log-phone"] } },
      virtualServers: { desk: { servers: ["a"], agents: ["tester"], guards: ["block-mail"] } },
      guards: {
        "mask-mail": { detect: { email: "mask" } },
        "log-phone": { detect: { phone: "log" } },
        "block-mail": { detect: { email: "block" }, on: ["response"] },
      },
    });
    const session = await AgentSession.open();
    expect(await session.callText("a__echo", { text: `call ${PHONE}` })).toBe(`call ${PHONE}`);
    expect(guardLines()).toEqual([
      expect.objectContaining({ guard: "log-phone", action: "log", side: "request", count: 1 }),
      expect.objectContaining({ guard: "log-phone", action: "log", side: "response", count: 1 }),
    ]);
    expect(await session.callText("a__echo", { text: EMAIL })).toBe("<EMAIL>");

    const desk = await AgentSession.open({ path: "/mcp/desk" });
    const error = (await desk.call("a__customer")).error!;
    expect(error.data).toMatchObject({ code: "GUARD_BLOCKED", guard: "block-mail", detector: "email" });
  });

  it("refuses calls a missing guard applies to, without contacting the upstream, and warns in /status", async () => {
    await seedConfig({ servers: { a: { url: tenant.url, guards: ["not-there"] } } });
    const session = await AgentSession.open();
    const error = (await session.call("a__echo", { text: "hello" })).error!;
    expect(error.code).toBe(-32018);
    expect(error.data).toMatchObject({ code: "GUARD_UNAVAILABLE", guard: "not-there" });
    expect(await argumentsReceived()).toEqual([]);
    expect(guardLines()).toEqual([expect.objectContaining({ guard: "not-there", action: "block" })]);
    const { report } = await readStatus();
    expect(report.config.warnings).toContain(
      "server:a guards names guard 'not-there', which has no valid guard:not-there entry: its calls are refused",
    );
  });

  it("applies to execute_tool as to a direct call", async () => {
    await seedConfig({
      settings: { exposure: "discovery" },
      servers: { a: { url: tenant.url, guards: ["pii"] } },
      guards: { pii: { detect: PII } },
    });
    const session = await AgentSession.open();
    const result = structured(
      await session.call("execute_tool", { server: "a", tool: "echo", args: { text: `mail ${EMAIL}` } }),
    );
    expect(result.content[0]!.text).toBe("mail <EMAIL>");
    expect(await argumentsReceived()).toEqual([{ text: "mail <EMAIL>" }]);
    // The arguments matched (their echo comes back already masked), and the line says how the call was made.
    expect(guardLines().map((line) => [line["side"], line["via"]])).toEqual([["request", "execute_tool"]]);
  });
});
