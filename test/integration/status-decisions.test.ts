// What /status (and so /admin) says per agent and about recent decisions: each agent's
// 2025 sessions and upstream calls, and the latest policy denials and guard decisions,
// newest first, naming agent, server, tool and rule or guard, never what was sent or what
// matched. Agents are named afresh per test, since the totals outlive a test.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import type { OpsDelta } from "../../src/observe/ops-report.js";
import type { RecentEvent } from "../../src/observe/recent-events.js";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { readStatus, waitForStatus, type StatusReport } from "./support/status.js";

const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const freshName = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

function agentIn(report: StatusReport, agent: string) {
  return report.agents.find((a) => a.agent === agent);
}

/** A fresh agent with its own key, allowed everything but `deny`. */
async function seedAgent(servers: Record<string, unknown>, deny: Record<string, unknown> = {}) {
  const agent = freshName("agent");
  const key = `mcpgw_${crypto.randomUUID().replaceAll("-", "")}`;
  await seedConfig({
    servers,
    agents: { [agent]: { allow: { servers: ["*"] }, deny } },
    apiKeys: { [key]: { agent } },
    guards: { secrets: { detect: { secret: "block" }, on: ["request"] } },
  });
  return { agent, key };
}

describe("/status per agent", () => {
  it("counts each agent's sessions as they start and end, and its calls and their errors", async () => {
    const tenant = FixtureTenant.create("status-per-agent");
    const { agent, key } = await seedAgent({ fx: { url: tenant.url } });
    const client = await GatewayClient.open({ key });
    expect(await client.callText("fx__echo", { text: "1" })).toBe("1");
    expect((await client.call("fx__fail")).error).toBeDefined();
    const open = await waitForStatus((r) => {
      expect(agentIn(r, agent)).toEqual({
        agent,
        sessions: { started: 1, ended: 0, active: 1 },
        calls: 2,
        callErrors: 1,
      });
    });
    expect(open.agents.map((a) => a.calls)).toEqual([...open.agents.map((a) => a.calls)].sort((a, b) => b - a));

    expect((await client.end()).status).toBe(204);
    await waitForStatus((r) => {
      expect(agentIn(r, agent)?.sessions).toEqual({ started: 1, ended: 1, active: 0 });
    });
  });
});

describe("/status recent decisions", () => {
  it("lists a denial and a guard decision, newest first, without the arguments or what matched", async () => {
    const tenant = FixtureTenant.create("status-decisions");
    const { agent, key } = await seedAgent(
      { fx: { url: tenant.url, guards: ["secrets"] } },
      { tools: { fx: ["fail"] } },
    );
    const client = await GatewayClient.open({ key });
    expect((await client.call("fx__fail", { text: "denied-argument-7c1d" })).error?.data?.code).toBe(
      "DENIED_BY_POLICY",
    );
    expect((await client.call("fx__echo", { text: `key=${AWS_KEY}` })).error?.data?.code).toBe("GUARD_BLOCKED");

    const report = await waitForStatus((r) => {
      expect(r.recentDecisions.filter((d) => d.agent === agent)).toHaveLength(2);
    });
    const mine = report.recentDecisions.filter((d) => d.agent === agent);
    expect(mine).toEqual([
      {
        at: expect.stringMatching(/Z$/),
        kind: "guard",
        agent,
        server: "fx",
        method: "tools/call",
        item: "echo",
        guard: "secrets",
        detectors: ["secret"],
        action: "block",
        side: "request",
      },
      {
        at: expect.stringMatching(/Z$/),
        kind: "deny",
        agent,
        server: "fx",
        method: "tools/call",
        item: "fail",
        rule: expect.stringContaining(`agent:${agent}`),
      },
    ]);
    const times = report.recentDecisions.map((d) => Date.parse(d.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(report.recentDecisions.length).toBeLessThanOrEqual(50);
    const { text } = await readStatus();
    for (const value of [AWS_KEY, "denied-argument-7c1d", key]) expect(text).not.toContain(value);
  });
});

describe("the GatewayStatus object", () => {
  const delta = (recent: RecentEvent[], sessionsByAgent: OpsDelta["sessionsByAgent"] = {}): OpsDelta => ({
    requests: 0,
    errors: 0,
    sessionsStarted: 0,
    sessionsEnded: 0,
    sessionsByAgent,
    upstreams: {},
    calls: {},
    recent,
  });
  const denial = (at: number): RecentEvent => ({ at, kind: "deny", agent: "a", method: "tools/call", rule: `r${at}` });

  it("keeps the newest 50 decisions of all its reports, newest first, and adds up sessions per agent", async () => {
    // An object of its own, so the gateway's totals are left alone.
    const status = env.GATEWAY_STATUS.get(env.GATEWAY_STATUS.idFromName(`test-${crypto.randomUUID()}`));
    for (let report = 0; report < 4; report++) {
      const recent = Array.from({ length: 30 }, (_, i) => denial(1000 + report * 30 + i));
      await status.record(delta(recent, { a: { started: 2, ended: 1 } }));
    }
    const totals = await status.read();
    expect(totals.recent).toHaveLength(50);
    expect(totals.recent[0]!.at).toBe(1119);
    expect(totals.recent.at(-1)!.at).toBe(1070);
    expect(totals.sessionsByAgent).toEqual({ a: { started: 8, ended: 4 } });
  });
});
