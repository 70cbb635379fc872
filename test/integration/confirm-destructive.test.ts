// confirmDestructive: a call to a destructive tool runs only after a person's yes. A 2025
// client is asked by elicitation on the call's stream; a 2026-07-28 client gets
// input_required with a sealed requestState and answers on its retry. Decline, a false
// confirm, a client that cannot be asked, a forged or reused state: refused, and the
// upstream's own request log proves it never saw the call.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs, type CapturedLogs } from "./support/logs.js";
import { AgentSession } from "./support/agent.js";
import { SseReader, type RpcMessage } from "./support/client.js";
import { askModern, META_CAPABILITIES, modernMeta } from "./support/hostile.js";

let tenant: FixtureTenant;
let logs: CapturedLogs;
const ELICITING = { capabilities: { elicitation: {} } };

beforeEach(async () => {
  tenant = FixtureTenant.create("confirm");
  await tenant.configure({ tools: ["echo", "delete_all"] });
  await seedConfig({ servers: { a: { url: tenant.url } }, settings: { confirmDestructive: true } });
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const deletions = async () => (await tenant.stats()).requests.filter((r) => r.tool === "delete_all");

/** A 2025 call answered by elicitation: the question the client got, and the call's answer. */
async function legacyCall(session: AgentSession, name: string, answer: Record<string, unknown>) {
  const id = session.takeId();
  const response = await session.post({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: { text: "repo" } },
  });
  const reader = new SseReader(response);
  const question = (await reader.nextMessage()) as RpcMessage;
  expect(question).toMatchObject({ method: "elicitation/create" });
  await session.post({ jsonrpc: "2.0", id: question.id, result: answer });
  const [final] = await reader.rest();
  return { question, final: final as RpcMessage };
}

describe("a 2025 client", () => {
  it("is asked first; an accept with confirm runs the call", async () => {
    const session = await AgentSession.open(ELICITING);
    const { question, final } = await legacyCall(session, "a__delete_all", {
      action: "accept",
      content: { confirm: true },
    });
    expect(String((question.params as { message: string }).message)).toContain("'delete_all' on 'a'");
    expect(final.result).toEqual({ content: [{ type: "text", text: "deleted repo" }] });
    expect(await deletions()).toHaveLength(1);
    const decisions = logs.events("audit.guard").map((l) => l["action"]);
    expect(decisions).toEqual(["confirmed"]);
  });

  it("declined, or accepted without confirm: refused, and the upstream never sees it", async () => {
    const session = await AgentSession.open(ELICITING);
    for (const answer of [
      { action: "decline" },
      { action: "cancel" },
      { action: "accept", content: { confirm: false } },
    ]) {
      const { final } = await legacyCall(session, "a__delete_all", answer);
      expect(final.error?.data, JSON.stringify(answer)).toMatchObject({
        code: "CONFIRMATION_DECLINED",
        name: "delete_all",
      });
    }
    expect(await deletions()).toEqual([]);
  });

  it("that cannot be asked is refused; a tool not annotated destructive is not asked about", async () => {
    const session = await AgentSession.open();
    const error = (await session.call("a__delete_all", { text: "repo" })).error!;
    expect(error.data).toMatchObject({ code: "CONFIRMATION_UNAVAILABLE", server: "a", name: "delete_all" });
    expect(error.code).toBe(-32015);
    expect(await deletions()).toEqual([]);
    expect(await session.callText("a__echo", { text: "harmless" })).toBe("harmless");
  });

  it("an explicit list, and an agent's own setting, win over settings", async () => {
    await seedConfig({
      servers: { a: { url: tenant.url } },
      settings: { confirmDestructive: { tools: { a: ["echo"] } } },
      agents: {
        tester: { allow: { servers: ["*"] } },
        relaxed: { allow: { servers: ["*"] }, confirmDestructive: false },
      },
      apiKeys: { "relaxed-key-0123456789": { agent: "relaxed" } },
    });
    const asked = await AgentSession.open();
    expect((await asked.call("a__echo", { text: "x" })).error?.data).toMatchObject({
      code: "CONFIRMATION_UNAVAILABLE",
    });
    expect(await asked.callText("a__delete_all", { text: "y" })).toBe("deleted y");
    const relaxed = await AgentSession.open({ key: "relaxed-key-0123456789" });
    expect(await relaxed.callText("a__echo", { text: "z" })).toBe("z");
  });
});

describe("a 2026-07-28 client", () => {
  const eliciting = (extra: Record<string, unknown> = {}) =>
    modernMeta({ [META_CAPABILITIES]: { elicitation: {} }, ...extra });
  const call = (extra: Record<string, unknown> = {}, args: Record<string, unknown> = { text: "repo" }) =>
    askModern("tools/call", { name: "a__delete_all", arguments: args, _meta: eliciting(), ...extra });

  it("gets input_required with a sealed state, and its accept runs the call", async () => {
    const first = await call();
    const result = first.result as { resultType: string; inputRequests: Record<string, unknown>; requestState: string };
    expect(result.resultType).toBe("input_required");
    expect(result.inputRequests["gateway-confirm"]).toMatchObject({ method: "elicitation/create" });
    expect(result.requestState).toMatch(/^gwc1\./);
    expect(await deletions()).toEqual([]);

    const yes = { "gateway-confirm": { action: "accept", content: { confirm: true } } };
    const done = await call({ requestState: result.requestState, inputResponses: yes });
    expect(done.result).toMatchObject({ content: [{ type: "text", text: "deleted repo" }] });
    expect(await deletions()).toHaveLength(1);
  });

  it("declined, forged, altered or moved to other arguments: refused, never sent", async () => {
    const first = (await call()).result as { requestState: string };
    const no = { "gateway-confirm": { action: "decline" } };
    const declined = await call({ requestState: first.requestState, inputResponses: no });
    expect(declined.error?.data).toMatchObject({ code: "CONFIRMATION_DECLINED" });

    const yes = { "gateway-confirm": { action: "accept", content: { confirm: true } } };
    const [payload, tag] = first.requestState.slice("gwc1.".length).split(".");
    const altered = `gwc1.${payload}x.${tag}`;
    const forged = `gwc1.${payload}.${"0".repeat(64)}`;
    for (const requestState of [altered, forged]) {
      const answer = await call({ requestState, inputResponses: yes });
      expect(answer.error?.code, requestState).toBe(-32602);
    }
    const moved = await call({ requestState: first.requestState, inputResponses: yes }, { text: "everything else" });
    expect(moved.error?.message).toContain("requestState");
    expect(await deletions()).toEqual([]);
  });

  it("that declared no elicitation is refused at once", async () => {
    const answer = await askModern("tools/call", { name: "a__delete_all", arguments: {} });
    expect(answer.error?.data).toMatchObject({ code: "CONFIRMATION_UNAVAILABLE" });
    expect(await deletions()).toEqual([]);
  });
});
