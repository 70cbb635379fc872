// The recent denials and guard decisions /status and /admin show: cut from audit lines
// down to who, where and which rule or guard (never arguments, matched values, keys or a
// URI's query), and kept bounded at every step: in an isolate's report, and in the list
// the GatewayStatus object keeps, newest first. Sessions are counted per agent alongside.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { audit } from "../../src/observe/audit.js";
import { opsReport } from "../../src/observe/ops-report.js";
import { keepRecent, MAX_RECENT_EVENTS, recentEventOf, type RecentEvent } from "../../src/observe/recent-events.js";

const AT = Date.UTC(2026, 10, 21, 10, 0, 0);

function event(at: number, item = `tool-${at}`): RecentEvent {
  return { at, kind: "deny", agent: "frontend", server: "github", method: "tools/call", item, rule: "r" };
}

describe("recentEventOf", () => {
  it("keeps a denial's agent, server, tool and rule", () => {
    const fields = {
      method: "tools/call",
      requestId: "req-1",
      agent: "frontend",
      keyId: "0badc0de",
      server: "github",
      name: "delete_repo",
      decision: "deny",
      rule: "agent:frontend deny.tools[0]",
      revision: "15fcdeb899b7",
    };
    expect(recentEventOf("decision", fields, AT)).toEqual({
      at: AT,
      kind: "deny",
      agent: "frontend",
      server: "github",
      method: "tools/call",
      item: "delete_repo",
      rule: "agent:frontend deny.tools[0]",
    });
  });

  it("keeps a guard decision's guard, detectors, action and side, never the arguments or what matched", () => {
    const fields = {
      method: "tools/call",
      agent: "frontend",
      delegate: "helper",
      server: "crm",
      name: "note",
      side: "request",
      guard: "pii",
      action: "block",
      count: 2,
      detections: [
        { detector: "credit_card", count: 1, action: "block" },
        { detector: "email", count: 1, action: "mask" },
      ],
      arguments: { text: "card 4111 1111 1111 1111, ana@example.com" },
      result: { content: [{ type: "text", text: "ana@example.com" }] },
    };
    const recent = recentEventOf("guard", fields, AT);
    expect(recent).toEqual({
      at: AT,
      kind: "guard",
      agent: "frontend",
      delegate: "helper",
      server: "crm",
      method: "tools/call",
      item: "note",
      guard: "pii",
      detectors: ["credit_card", "email"],
      action: "block",
      side: "request",
    });
    expect(JSON.stringify(recent)).not.toMatch(/4111|example\.com/);
  });

  it("shows a resource URI without its query, fragment or credentials", () => {
    const fields = {
      method: "resources/read",
      agent: "a",
      decision: "deny",
      uri: "postgres://admin:hunter2@db.internal/orders?token=abc#x",
    };
    expect(recentEventOf("decision", fields, AT)?.item).toBe("postgres://db.internal/orders");
  });

  it("passes over allowed and filtered decisions, upstream calls, and refusals of no known agent", () => {
    expect(recentEventOf("decision", { method: "tools/call", agent: "a", decision: "allow" }, AT)).toBeUndefined();
    expect(recentEventOf("decision", { method: "tools/list", agent: "a", decision: "filtered" }, AT)).toBeUndefined();
    expect(recentEventOf("upstream", { method: "tools/call", agent: "a", server: "s" }, AT)).toBeUndefined();
    expect(
      recentEventOf("decision", { method: "authenticate", decision: "deny", rule: "no API key" }, AT),
    ).toBeUndefined();
  });

  it("cuts long fields short", () => {
    const recent = recentEventOf(
      "decision",
      { method: "tools/call", agent: "a", decision: "deny", rule: "r".repeat(5000) },
      AT,
    );
    expect(recent!.rule!.length).toBeLessThanOrEqual(201);
  });
});

describe("keepRecent", () => {
  it("puts what arrived before what was kept, newest first", () => {
    const kept = [event(AT + 2), event(AT + 1)];
    const arrived = [event(AT + 3), event(AT + 4)];
    expect(keepRecent(kept, arrived).map((e) => e.at)).toEqual([AT + 4, AT + 3, AT + 2, AT + 1]);
  });

  it("orders by time when reports from several isolates interleave", () => {
    const kept = [event(AT + 5), event(AT + 1)];
    const arrived = [event(AT + 2), event(AT + 6)];
    expect(keepRecent(kept, arrived).map((e) => e.at)).toEqual([AT + 6, AT + 5, AT + 2, AT + 1]);
  });

  it(`keeps the newest ${MAX_RECENT_EVENTS}, however many arrive`, () => {
    let kept: RecentEvent[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const arrived = Array.from({ length: 30 }, (_, i) => event(AT + batch * 30 + i));
      kept = keepRecent(kept, arrived);
      expect(kept.length).toBeLessThanOrEqual(MAX_RECENT_EVENTS);
    }
    expect(kept).toHaveLength(MAX_RECENT_EVENTS);
    expect(kept[0]!.at).toBe(AT + 299);
    expect(kept.at(-1)!.at).toBe(AT + 300 - MAX_RECENT_EVENTS);
  });
});

describe("the ops report", () => {
  beforeEach(() => {
    opsReport.take();
  });

  it(`carries at most the latest ${MAX_RECENT_EVENTS} decisions, in the order they happened`, () => {
    for (let i = 0; i < MAX_RECENT_EVENTS + 25; i++) opsReport.recent(event(AT + i));
    expect(opsReport.dirty).toBe(true);
    const { recent } = opsReport.take();
    expect(recent).toHaveLength(MAX_RECENT_EVENTS);
    expect(recent[0]!.at).toBe(AT + 25);
    expect(recent.at(-1)!.at).toBe(AT + MAX_RECENT_EVENTS + 24);
    expect(opsReport.take().recent).toEqual([]);
  });

  it("gets a denial and a guard decision from their audit lines, and nothing from other lines", () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    audit({ kind: "decision", method: "tools/call", agent: "a", server: "s", name: "t", decision: "deny", rule: "r" });
    audit({ kind: "guard", method: "tools/call", agent: "a", server: "s", name: "t", guard: "g", action: "mask" });
    audit({ kind: "upstream", method: "tools/call", agent: "a", server: "s", name: "t", upstreamStatus: "ok" });
    audit({ kind: "decision", method: "tools/list", agent: "a", decision: "filtered", shown: 1, total: 2 });
    vi.restoreAllMocks();
    const { recent } = opsReport.take();
    expect(recent.map((e) => [e.kind, e.rule ?? e.guard])).toEqual([
      ["deny", "r"],
      ["guard", "g"],
    ]);
  });

  it("counts sessions per agent, and folds agents past its bound into one", () => {
    opsReport.session("started", "frontend");
    opsReport.session("started", "frontend");
    opsReport.session("ended", "frontend");
    opsReport.session("started", "helper");
    const delta = opsReport.take();
    expect(delta).toMatchObject({ sessionsStarted: 3, sessionsEnded: 1 });
    expect(delta.sessionsByAgent).toEqual({ frontend: { started: 2, ended: 1 }, helper: { started: 1, ended: 0 } });

    for (let i = 0; i < 600; i++) opsReport.session("started", `agent-${i}`);
    const flood = opsReport.take().sessionsByAgent;
    expect(Object.keys(flood).length).toBeLessThanOrEqual(501);
    expect(flood["(other)"]?.started).toBe(100);
  });
});
