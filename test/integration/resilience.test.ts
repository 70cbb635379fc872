// Resilience as a client sees it, in both eras, against fixture upstreams that misbehave
// on purpose: every fault ends in a clear JSON-RPC error naming the server (or a list
// that names it as unavailable), never a hang or an HTTP 500; a circuit breaker stops
// calling an upstream that keeps failing and tries it again later; idempotent requests
// are retried after transient faults, calls never; a client may set its own timeout.
import { inject, beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { seedConfig, type Seed } from "./support/config.js";
import { DEFAULT_TOOL_COUNT, FixtureTenant, type Fault } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";

const INVALID_PARAMS = -32602;
const SERVER_UNAVAILABLE = -32010;
const TIMEOUT = -32011;
const UPSTREAM_ERROR = -32012;
const UNAVAILABLE_META = "mcp-edge-gateway/unavailable";
const TIMEOUT_META = "mcp-edge-gateway/timeoutMs";

/** One JSON-RPC request as a client of some era sends it; the answer must be an HTTP 200. */
type Ask = (method: string, params?: Record<string, unknown>) => Promise<RpcMessage>;

const ERAS: Array<[string, () => Promise<Ask>]> = [
  [
    "a legacy client",
    async () => {
      const client = await GatewayClient.connect();
      return (method, params) => client.rpc(method, params);
    },
  ],
  ["a current-era client", async () => askModern],
];

function call(ask: Ask, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) {
  return ask("tools/call", { name, arguments: args, ...(meta ? { _meta: meta } : {}) });
}

async function callText(ask: Ask, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const answer = await call(ask, name, args);
  expect(answer.error, `${name} failed: ${JSON.stringify(answer.error)}`).toBeUndefined();
  return (answer.result!["content"] as Array<{ text: string }>)[0]!.text;
}

/** A merged tools/list (one page: every test list fits) and the servers it names as unavailable. */
async function listTools(ask: Ask): Promise<{ names: string[]; unavailable: unknown }> {
  const answer = await ask("tools/list");
  expect(answer.error, JSON.stringify(answer.error)).toBeUndefined();
  expect(answer.result!["nextCursor"]).toBeUndefined();
  const names = (answer.result!["tools"] as Array<{ name: string }>).map((t) => t.name);
  const meta = answer.result!["_meta"] as Record<string, unknown> | undefined;
  return { names, unavailable: meta?.[UNAVAILABLE_META] };
}

const ofServer = (server: string, names: string[]) => names.filter((n) => n.startsWith(`${server}__`));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ERAS)("resilience, for %s", (_era, connect) => {
  let healthy: FixtureTenant;
  let faulty: FixtureTenant;

  beforeEach(() => {
    healthy = FixtureTenant.create("healthy");
    faulty = FixtureTenant.create("faulty");
  });

  async function connectWith(faultyRegistration: Record<string, unknown>, seed: Seed = {}): Promise<Ask> {
    await seedConfig({ ...seed, servers: { healthy: { url: healthy.url }, faulty: faultyRegistration } });
    return connect();
  }

  const upstreamCalls = async (tenant: FixtureTenant, tool?: string) =>
    (await tenant.stats()).requests.filter((r) => r.method === "tools/call" && (tool === undefined || r.tool === tool))
      .length;
  const upstreamRequests = async (tenant: FixtureTenant, method: string) =>
    (await tenant.stats()).requests.filter((r) => r.method === method).length;

  describe("an upstream that fails its tools/list", () => {
    const LIST_FAULTS: Array<{ name: string; fault: Fault; code: string }> = [
      { name: "never answers", fault: { kind: "hang" }, code: "TIMEOUT" },
      { name: "answers far too slowly", fault: { kind: "slow", delayMs: 10_000 }, code: "TIMEOUT" },
      { name: "answers HTTP 500", fault: { kind: "http500" }, code: "UPSTREAM_ERROR" },
      { name: "answers HTTP 503", fault: { kind: "http503" }, code: "SERVER_UNAVAILABLE" },
      { name: "answers garbage", fault: { kind: "garbage" }, code: "UPSTREAM_ERROR" },
      { name: "closes its event stream before answering", fault: { kind: "sse_close" }, code: "UPSTREAM_ERROR" },
      { name: "opens an event stream and stays silent", fault: { kind: "sse_hang" }, code: "TIMEOUT" },
    ];

    it.each(LIST_FAULTS)(
      "that $name is named $code in the list's _meta, and the healthy upstream is listed",
      async ({ fault, code }) => {
        await faulty.configure({ fault: { ...fault, methods: ["tools/list"] } });
        const ask = await connectWith({ url: faulty.url, timeoutMs: 300 });
        const { names, unavailable } = await listTools(ask);
        expect(names).toEqual(ofServer("healthy", names));
        expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
        expect(unavailable).toEqual([{ server: "faulty", code, message: expect.stringContaining("'faulty'") }]);
        expect(await callText(ask, "healthy__echo", { text: "still here" })).toBe("still here");
      },
    );

    it("names an upstream that refuses connections SERVER_UNAVAILABLE, in the list and on a call", async () => {
      const ask = await connectWith({ url: `${inject("refusedOrigin")}/gone/mcp` });
      const { names, unavailable } = await listTools(ask);
      expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
      expect(names).toEqual(ofServer("healthy", names));
      expect(unavailable).toEqual([
        { server: "faulty", code: "SERVER_UNAVAILABLE", message: expect.stringContaining("'faulty'") },
      ]);
      const answer = await call(ask, "faulty__echo", { text: "x" });
      expect(answer.error).toMatchObject({
        code: SERVER_UNAVAILABLE,
        data: { code: "SERVER_UNAVAILABLE", server: "faulty" },
      });
    });

    it("names the upstream whose list is longer than settings.maxListItems, and lists the others", async () => {
      await healthy.configure({ tools: ["echo", "fail"] });
      const ask = await connectWith({ url: faulty.url }, { settings: { maxListItems: 5 } });
      const { names, unavailable } = await listTools(ask);
      expect(names).toEqual(["healthy__echo", "healthy__fail"]);
      expect(unavailable).toEqual([
        { server: "faulty", code: "UPSTREAM_ERROR", message: expect.stringContaining("maxListItems") },
      ]);
    });

    it("names failing upstreams in prompts and resources lists too", async () => {
      await faulty.configure({ fault: { kind: "garbage", methods: ["prompts/list", "resources/list"] } });
      const ask = await connectWith({ url: faulty.url });
      for (const [method, field] of [
        ["prompts/list", "prompts"],
        ["resources/list", "resources"],
      ] as const) {
        const answer = await ask(method);
        expect(answer.result?.[field], method).toHaveLength(1);
        expect(answer.result?.["_meta"], method).toEqual({
          [UNAVAILABLE_META]: [{ server: "faulty", code: "UPSTREAM_ERROR", message: expect.any(String) }],
        });
      }
    });

    it("says nothing of unavailable servers when every upstream answered", async () => {
      const ask = await connectWith({ url: faulty.url });
      const answer = await ask("tools/list");
      expect(answer.result?.["tools"]).toHaveLength(2 * DEFAULT_TOOL_COUNT);
      expect(answer.result).not.toHaveProperty("_meta");
    });
  });

  describe("a call to an upstream that misbehaves", () => {
    const CALL_FAULTS: Array<{ tool: string; args?: Record<string, unknown>; rpc: number; code: string }> = [
      { tool: "hang", rpc: TIMEOUT, code: "TIMEOUT" },
      { tool: "slow", args: { ms: 10_000 }, rpc: TIMEOUT, code: "TIMEOUT" },
      { tool: "sse_hang", rpc: TIMEOUT, code: "TIMEOUT" },
      { tool: "http500", rpc: UPSTREAM_ERROR, code: "UPSTREAM_ERROR" },
      { tool: "garbage", rpc: UPSTREAM_ERROR, code: "UPSTREAM_ERROR" },
      { tool: "sse_close", rpc: UPSTREAM_ERROR, code: "UPSTREAM_ERROR" },
    ];

    it.each(CALL_FAULTS)(
      "fails with $code naming the server when the tool is $tool",
      async ({ tool, args, rpc, code }) => {
        await faulty.configure({ tools: ["echo", tool] });
        const ask = await connectWith({ url: faulty.url, timeoutMs: 300 });
        const answer = await call(ask, `faulty__${tool}`, args);
        expect(answer.error).toMatchObject({ code: rpc, data: { code, server: "faulty" } });
        expect(answer.error?.message).toContain("'faulty'");
        expect(await callText(ask, "faulty__echo", { text: "after" })).toBe("after");
      },
    );

    it.each([404, 400] as const)(
      "re-initializes an upstream that forgot its session (answering %i) and answers the call",
      async (status) => {
        await faulty.configure({ unknownSessionStatus: status });
        const ask = await connectWith({ url: faulty.url });
        expect(await callText(ask, "faulty__echo", { text: "before" })).toBe("before");
        const initialized = (await faulty.stats()).initialize;
        await faulty.configure({ forgetSessions: true });
        expect(await callText(ask, "faulty__echo", { text: "after" })).toBe("after");
        expect((await faulty.stats()).initialize).toBe(initialized + 1);
      },
    );
  });

  describe("the circuit breaker", () => {
    const BREAKER = { breakerFailures: 2, breakerOpenSeconds: 1 };
    /** Longer than breakerOpenSeconds: the next request is the probe. */
    const PAST_OPEN_PERIOD_MS = 1300;

    async function openBreaker(ask: Ask): Promise<void> {
      // Two consecutive faults of different kinds: an HTTP 500, then a timeout.
      expect((await call(ask, "faulty__http500")).error?.data?.code).toBe("UPSTREAM_ERROR");
      expect((await call(ask, "faulty__hang")).error?.data?.code).toBe("TIMEOUT");
    }

    it("opens after repeated failures and refuses at once, naming the server, without calling it", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 }, { settings: BREAKER });
      expect(await callText(ask, "faulty__echo", { text: "fine" })).toBe("fine");
      await openBreaker(ask);
      const calls = await upstreamCalls(faulty);

      const refused = await call(ask, "faulty__echo", { text: "refused" });
      expect(refused.error).toMatchObject({
        code: SERVER_UNAVAILABLE,
        data: { code: "SERVER_UNAVAILABLE", server: "faulty", breaker: "open", retryAfterMs: expect.any(Number) },
      });
      expect(refused.error?.data?.["retryAfterMs"]).toBeGreaterThan(0);
      expect(refused.error?.data?.["retryAfterMs"]).toBeLessThanOrEqual(1000);
      expect(refused.error?.message).toContain("'faulty'");
      expect(await upstreamCalls(faulty)).toBe(calls);

      // The healthy upstream goes on as before.
      expect(await callText(ask, "healthy__echo", { text: "unaffected" })).toBe("unaffected");
    });

    it("refuses every client of the gateway while open, not only the one that saw the failures", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 }, { settings: BREAKER });
      await openBreaker(ask);
      const calls = await upstreamCalls(faulty);
      const another = await connect();
      const refused = await call(another, "faulty__echo");
      expect(refused.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty", breaker: "open" } });
      expect(await upstreamCalls(faulty)).toBe(calls);
      expect(await callText(another, "healthy__echo", { text: "unaffected" })).toBe("unaffected");
    });

    it("names an upstream whose breaker is open in lists, without asking it", async () => {
      const ask = await connectWith(
        { url: faulty.url, timeoutMs: 300 },
        { settings: { ...BREAKER, catalogTtlSeconds: 0 } },
      );
      expect((await listTools(ask)).names).toHaveLength(2 * DEFAULT_TOOL_COUNT);
      await openBreaker(ask);
      const lists = await upstreamRequests(faulty, "tools/list");

      const { names, unavailable } = await listTools(ask);
      expect(names).toEqual(ofServer("healthy", names));
      expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
      expect(unavailable).toEqual([
        { server: "faulty", code: "SERVER_UNAVAILABLE", message: expect.stringContaining("circuit breaker open") },
      ]);
      expect(await upstreamRequests(faulty, "tools/list")).toBe(lists);
    });

    it("lets one probe through after the open period, and closes when the upstream recovered", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 }, { settings: BREAKER });
      await openBreaker(ask);
      expect((await call(ask, "faulty__echo")).error?.data?.["breaker"]).toBe("open");
      const calls = await upstreamCalls(faulty);

      await sleep(PAST_OPEN_PERIOD_MS);
      expect(await callText(ask, "faulty__echo", { text: "probe" })).toBe("probe");
      expect(await callText(ask, "faulty__echo", { text: "closed again" })).toBe("closed again");
      expect(await upstreamCalls(faulty)).toBe(calls + 2);
    });

    it("lets only one probe through: others are refused while it is out", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 }, { settings: BREAKER });
      await openBreaker(ask);
      await sleep(PAST_OPEN_PERIOD_MS);

      // The probe: a slow call, given a timeout long enough to finish.
      const probe = call(ask, "faulty__slow", { ms: 1500 }, { [TIMEOUT_META]: 20_000 });
      await expect.poll(() => upstreamCalls(faulty, "slow"), { timeout: 10_000 }).toBe(1);
      const meanwhile = await call(ask, "faulty__echo", { text: "meanwhile" });
      expect(meanwhile.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty", breaker: "open" } });
      expect(await upstreamCalls(faulty, "echo")).toBe(0);

      expect((await probe).error).toBeUndefined();
      expect(await callText(ask, "faulty__echo", { text: "closed" })).toBe("closed");
    });

    it("opens again when the probe fails, and refuses at once after it", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 }, { settings: BREAKER });
      await openBreaker(ask);
      await faulty.configure({ fault: { kind: "http503", methods: ["tools/call"] } });

      await sleep(PAST_OPEN_PERIOD_MS);
      const probe = await call(ask, "faulty__echo");
      expect(probe.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty" } });
      expect(probe.error?.data).not.toHaveProperty("breaker");
      const calls = await upstreamCalls(faulty);

      const refused = await call(ask, "faulty__echo");
      expect(refused.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty", breaker: "open" } });
      expect(await upstreamCalls(faulty)).toBe(calls);
      expect(await callText(ask, "healthy__echo", { text: "unaffected" })).toBe("unaffected");
    });

    it("opens for an upstream that refuses connections", async () => {
      const ask = await connectWith({ url: `${inject("refusedOrigin")}/gone/mcp` }, { settings: BREAKER });
      const answers: RpcMessage[] = [];
      for (let i = 0; i < 4; i++) answers.push(await call(ask, "faulty__echo"));
      for (const answer of answers) {
        expect(answer.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty" } });
      }
      expect(answers.at(-1)!.error?.data?.["breaker"]).toBe("open");
      expect(await callText(ask, "healthy__echo", { text: "unaffected" })).toBe("unaffected");
    });

    it("stays closed through 4xx answers and the upstream's own JSON-RPC errors", async () => {
      const ask = await connectWith({ url: faulty.url }, { settings: BREAKER });
      for (let i = 0; i < 3; i++) expect((await call(ask, "faulty__fail")).error?.code).toBe(-32050);
      await faulty.configure({ fault: { kind: "http400", methods: ["tools/call"] } });
      for (let i = 0; i < 3; i++) {
        const answer = await call(ask, "faulty__echo");
        expect(answer.error).toMatchObject({ code: UPSTREAM_ERROR, data: { server: "faulty", status: 400 } });
      }
      // Every one of them reached the upstream: the breaker never opened.
      expect(await upstreamCalls(faulty)).toBe(6);
      await faulty.configure({ fault: null });
      expect(await callText(ask, "faulty__echo", { text: "closed" })).toBe("closed");
    });
  });

  describe("retries", () => {
    beforeEach(async () => {
      await faulty.configure({ tools: ["echo", "fail"] });
    });

    const TRANSIENT: Fault["kind"][] = ["http503", "http500", "sse_close"];

    it.each(TRANSIENT)("retries a tools/list that failed once with %s, and lists everything", async (kind) => {
      await faulty.configure({ fault: { kind, methods: ["tools/list"], times: 1 } });
      const ask = await connectWith({ url: faulty.url });
      const { names, unavailable } = await listTools(ask);
      expect(ofServer("faulty", names)).toEqual(["faulty__echo", "faulty__fail"]);
      expect(unavailable).toBeUndefined();
      expect(await upstreamRequests(faulty, "tools/list")).toBe(2);
    });

    it("retries prompts/get, which reads and changes nothing", async () => {
      await faulty.configure({ fault: { kind: "http503", methods: ["prompts/get"], times: 1 } });
      const ask = await connectWith({ url: faulty.url });
      const answer = await ask("prompts/get", { name: "faulty__greeting", arguments: { who: "Ada" } });
      expect(answer.error).toBeUndefined();
      expect(JSON.stringify(answer.result)).toContain("Hello, Ada");
      expect(await upstreamRequests(faulty, "prompts/get")).toBe(2);
    });

    it("never retries a tool call, which may not be safe to run twice", async () => {
      await faulty.configure({ fault: { kind: "http503", methods: ["tools/call"], times: 1 } });
      const ask = await connectWith({ url: faulty.url });
      const answer = await call(ask, "faulty__echo", { text: "once" });
      expect(answer.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty" } });
      expect(await upstreamCalls(faulty)).toBe(1);
      expect(await callText(ask, "faulty__echo", { text: "next" })).toBe("next");
    });

    it("does not retry a list the upstream refused with a 4xx", async () => {
      await faulty.configure({ fault: { kind: "http400", methods: ["tools/list"], times: 1 } });
      const ask = await connectWith({ url: faulty.url });
      const { unavailable } = await listTools(ask);
      expect(unavailable).toEqual([
        { server: "faulty", code: "UPSTREAM_ERROR", message: expect.stringContaining("400") },
      ]);
      expect(await upstreamRequests(faulty, "tools/list")).toBe(1);
    });

    it.each([0, 1])("gives up after settings.retries (%i) extra attempts", async (retries) => {
      await faulty.configure({ fault: { kind: "http503", methods: ["tools/list"] } });
      const ask = await connectWith({ url: faulty.url }, { settings: { retries } });
      const { unavailable } = await listTools(ask);
      expect(unavailable).toEqual([{ server: "faulty", code: "SERVER_UNAVAILABLE", message: expect.any(String) }]);
      expect(await upstreamRequests(faulty, "tools/list")).toBe(retries + 1);
    });
  });

  describe("a client's own timeout for one call", () => {
    it("times a call out at the client's timeout, though the server's is much longer", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 30_000 });
      const answer = await call(ask, "faulty__slow", { ms: 3000 }, { [TIMEOUT_META]: 300 });
      expect(answer.error).toMatchObject({
        code: TIMEOUT,
        data: { code: "TIMEOUT", server: "faulty", timeoutMs: 300 },
      });
    });

    it("waits longer than the server's timeout when the client asks it to", async () => {
      const ask = await connectWith({ url: faulty.url, timeoutMs: 300 });
      expect((await call(ask, "faulty__slow", { ms: 1000 })).error?.data?.code).toBe("TIMEOUT");
      const answer = await call(ask, "faulty__slow", { ms: 1000 }, { [TIMEOUT_META]: 20_000 });
      expect(answer.error).toBeUndefined();
    });

    it("refuses a timeout that is not an integer from 100 to settings.maxTimeoutMs, calling nothing", async () => {
      const ask = await connectWith({ url: faulty.url }, { settings: { maxTimeoutMs: 5000 } });
      for (const timeoutMs of [99, 5001, -1, 1500.5, "300", null, {}]) {
        const answer = await call(ask, "faulty__echo", { text: "x" }, { [TIMEOUT_META]: timeoutMs });
        expect(answer.error, JSON.stringify(timeoutMs)).toMatchObject({
          code: INVALID_PARAMS,
          data: { code: "INVALID_PARAMS" },
        });
        expect(answer.error?.message).toContain(TIMEOUT_META);
      }
      expect(await upstreamCalls(faulty)).toBe(0);
      const answer = await call(ask, "faulty__echo", { text: "x" }, { [TIMEOUT_META]: 5000 });
      expect(answer.error).toBeUndefined();
    });

    it("keeps its own _meta key from the upstream and forwards the rest of _meta", async () => {
      const ask = await connectWith({ url: faulty.url });
      const answer = await call(
        ask,
        "faulty__echo",
        { text: "x" },
        { [TIMEOUT_META]: 5000, "example.com/trace": "t-1" },
      );
      expect(answer.error).toBeUndefined();
      const [sent] = (await faulty.stats()).requests.filter((r) => r.method === "tools/call");
      const meta = sent!.params?.["_meta"] as Record<string, unknown>;
      expect(meta).toMatchObject({ "example.com/trace": "t-1" });
      expect(meta).not.toHaveProperty([TIMEOUT_META]);
      expect(JSON.stringify(sent)).not.toContain(TIMEOUT_META);
    });
  });
});
