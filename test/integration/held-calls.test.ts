// Where a 2026-07-28 request to a 2025-era upstream is sent from: by the Worker, on the
// upstream session the agent's HeldUpstreamSession object holds, when the client can
// answer no question; by the object when the client can (a question suspends the call
// until the client's retry, which only the object can wait for), and when the upstream
// forgot the held session (the object re-opens it, trying the forgotten one once).
// The held object's methods are watched to tell the paths apart.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern, META_CAPABILITIES } from "./support/hostile.js";
import { HeldUpstreamSession } from "../../src/session/held-upstream-session.js";

const textOf = (answer: { result?: Record<string, unknown> }) =>
  (answer.result?.["content"] as Array<{ text: string }> | undefined)?.[0]?.text;

describe("a 2026-07-28 request to a 2025-era upstream", () => {
  let tenant: FixtureTenant;
  let call: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    tenant = FixtureTenant.create("held-calls");
    await tenant.configure({ tools: ["echo", "ask", "log"] });
    await seedConfig({ servers: { fx: { url: tenant.url } } });
    call = vi.spyOn(HeldUpstreamSession.prototype, "call");
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const callsOf = async (tool: string) => (await tenant.stats()).requests.filter((r) => r.tool === tool);

  it("is sent by the Worker on the held session when the client can answer no question", async () => {
    expect(textOf(await askModern("tools/call", { name: "fx__echo", arguments: { text: "one" } }))).toBe("one");
    expect(textOf(await askModern("tools/call", { name: "fx__echo", arguments: { text: "two" } }))).toBe("two");
    const toolCalls = call.mock.calls.filter((c: unknown[]) => c[1] === "tools/call");
    expect(toolCalls).toEqual([]);
    const sent = await callsOf("echo");
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((c) => c.sessionId)).size).toBe(1);
    expect((await tenant.stats()).initialize).toBe(1);
  });

  it("refuses the upstream's questions from the Worker as the held object would", async () => {
    const answer = await askModern("tools/call", {
      name: "fx__ask",
      _meta: { [META_CAPABILITIES]: {} },
    });
    expect(answer.result).toMatchObject({ isError: true });
    expect(textOf(answer)).toContain("did not declare the 'elicitation' capability needed for elicitation/create");
    expect(call.mock.calls.filter((c: unknown[]) => c[1] === "tools/call")).toEqual([]);
  });

  it("is left to the held object when the client could be asked something", async () => {
    const answer = await askModern("tools/call", {
      name: "fx__echo",
      arguments: { text: "asked" },
      _meta: { [META_CAPABILITIES]: { elicitation: {} } },
    });
    expect(textOf(answer)).toBe("asked");
    expect(call.mock.calls.filter((c: unknown[]) => c[1] === "tools/call")).toHaveLength(1);
  });

  it("lets the held object re-open a session the upstream forgot, trying the forgotten one only once", async () => {
    expect(textOf(await askModern("tools/call", { name: "fx__echo", arguments: { text: "one" } }))).toBe("one");
    await tenant.configure({ forgetSessions: true });
    expect(textOf(await askModern("tools/call", { name: "fx__echo", arguments: { text: "two" } }))).toBe("two");
    expect(textOf(await askModern("tools/call", { name: "fx__echo", arguments: { text: "three" } }))).toBe("three");

    const passedOn = call.mock.calls.filter((c: unknown[]) => c[1] === "tools/call");
    expect(passedOn).toHaveLength(1);
    expect(passedOn[0]![3]).toMatchObject({ forgotten: expect.any(String) });
    expect((await tenant.stats()).initialize).toBe(2);
    const sent = await callsOf("echo");
    expect(sent).toHaveLength(4);
    expect(sent[3]!.sessionId).toBe(sent[2]!.sessionId);
    expect(sent[3]!.sessionId).not.toBe(sent[0]!.sessionId);
  });
});
