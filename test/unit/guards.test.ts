import { describe, expect, it } from "vitest";
import { loadSnapshot } from "../../src/config/snapshot.js";
import { guardNames, guardPlan } from "../../src/gateway/guards/guard-plan.js";
import { applyRules, maskedValue, MAX_SCAN_DEPTH, newScan, stringsIn } from "../../src/gateway/guards/scan.js";
import { memoryKv } from "../../cli/memory-kv.js";

const URL = "https://mcp.example.com/mcp";
const json = (value: unknown) => JSON.stringify(value);

async function snapshotOf(entries: Record<string, unknown>, env: Record<string, unknown> = {}) {
  const raw = Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, json(value)]));
  return loadSnapshot(memoryKv(raw), env, new Map());
}

describe("guard:<name> entries", () => {
  it("loads a valid guard with its defaults", async () => {
    const snapshot = await snapshotOf({ "guard:pii": { detect: { email: "mask", secret: "block" } } });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.guards.get("pii")?.guard).toEqual({
      description: "",
      detect: { email: "mask", secret: "block" },
      on: ["request", "response"],
      patterns: [],
      phoneRegion: "US",
    });
  });

  it("reports guards that would check nothing, or could not run, and leaves them out", async () => {
    const bad = {
      "guard:empty": { detect: {} },
      "guard:unknown-detector": { detect: { ssn: "mask" } },
      "guard:unknown-action": { detect: { email: "redact" } },
      "guard:custom-without-patterns": { detect: { custom: "mask" } },
      "guard:bad-regex": { detect: { custom: "mask" }, patterns: [{ kind: "ID", pattern: "(" }] },
      "guard:empty-match": { detect: { custom: "mask" }, patterns: [{ kind: "ID", pattern: "x*" }] },
      "guard:lower-kind": { detect: { custom: "mask" }, patterns: [{ kind: "id", pattern: "x+" }] },
      "guard:bad-region": { detect: { phone: "mask" }, phoneRegion: "XX" },
      "guard:http-provider": {
        provider: {
          type: "presidio",
          url: "http://presidio.example.com",
          entities: { PERSON: "mask" },
          onError: "block",
        },
      },
      "guard:no-on-error": {
        provider: { type: "presidio", url: "https://presidio.example.com", entities: { PERSON: "mask" } },
      },
      "guard:missing-secret": {
        provider: {
          type: "presidio",
          url: "https://presidio.example.com",
          entities: { PERSON: "mask" },
          onError: "allow",
          headers: { authorization: "Bearer ${PRESIDIO_TOKEN}" },
        },
      },
    };
    const snapshot = await snapshotOf(bad);
    expect([...snapshot.guards.keys()]).toEqual([]);
    expect(snapshot.problems.map((p) => p.key).sort()).toEqual(Object.keys(bad).sort());
    const problem = (name: string) => snapshot.problems.find((p) => p.key === `guard:${name}`)!.problem;
    expect(problem("empty")).toContain("would check nothing");
    expect(problem("custom-without-patterns")).toContain("patterns");
    expect(problem("bad-regex")).toContain("valid JavaScript regular expression");
    expect(problem("empty-match")).toContain("empty string");
    expect(problem("missing-secret")).toContain("PRESIDIO_TOKEN");
  });

  it("resolves a provider's header secrets", async () => {
    const provider = {
      type: "presidio",
      url: "http://127.0.0.1:5002",
      entities: { PERSON: "mask" },
      onError: "allow",
      headers: { authorization: "Bearer ${PRESIDIO_TOKEN}" },
    };
    const snapshot = await snapshotOf({ "guard:people": { provider } }, { PRESIDIO_TOKEN: "t0ken-value" });
    expect(snapshot.guards.get("people")?.providerHeaders).toEqual({ authorization: "Bearer t0ken-value" });
  });

  it("warns about guard names without a valid entry, wherever they are used", async () => {
    const snapshot = await snapshotOf({
      "server:a": { url: URL, guards: ["pii", "gone"] },
      "agent:bot": { allow: { servers: ["*"] }, guards: ["gone"] },
      "vs:desk": { servers: ["a"], agents: ["*"], guards: ["pii", "gone"] },
      "guard:pii": { detect: { email: "mask" } },
    });
    expect(snapshot.warnings).toEqual([
      "server:a guards names guard 'gone', which has no valid guard:gone entry: its calls are refused",
      "agent:bot guards names guard 'gone', which has no valid guard:gone entry: its calls are refused",
      "vs:desk guards names guard 'gone', which has no valid guard:gone entry: its calls are refused",
    ]);
  });
});

describe("which guards apply to a call", () => {
  it("every guard the registration, the agent, the sub-agent and the virtual server name, each once", async () => {
    const snapshot = await snapshotOf({
      "server:a": { url: URL, guards: ["one"] },
      "agent:bot": { allow: { servers: ["*"] }, guards: ["two", "one"] },
      "agent:helper": { allow: { servers: ["*"] }, guards: ["three"] },
      "vs:desk": { servers: ["a"], agents: ["*"], guards: ["four"] },
    });
    const server = snapshot.servers.get("a")!;
    expect(guardNames(snapshot, { agent: "bot" } as never, server)).toEqual(["one", "two"]);
    const narrowed = { agent: "bot", delegate: "helper", virtualServer: "desk" } as never;
    expect(guardNames(snapshot, narrowed, server)).toEqual(["one", "two", "three", "four"]);
  });

  it("compiles each side once per snapshot, and keeps missing names so the call is refused", async () => {
    const snapshot = await snapshotOf({
      "guard:in": { detect: { email: "block" }, on: ["request"] },
      "guard:out": { detect: { phone: "mask", email: "log" }, on: ["response"] },
    });
    const plan = guardPlan(snapshot, ["in", "out", "gone"]);
    expect(plan.missing).toEqual(["gone"]);
    expect(plan.request?.rules.map((r) => [r.guard, r.detector, r.action])).toEqual([["in", "email", "block"]]);
    expect(plan.response?.rules.map((r) => [r.guard, r.detector, r.action])).toEqual([
      ["out", "phone", "mask"],
      ["out", "email", "log"],
    ]);
    expect(guardPlan(snapshot, ["in", "out", "gone"])).toBe(plan);
    expect(guardPlan(snapshot, ["out"]).request).toBeUndefined();
  });
});

describe("scanning and masking JSON", () => {
  it("reads every string and key except binary content", () => {
    const value = {
      content: [
        { type: "text", text: "a" },
        { type: "image", mimeType: "image/png", data: "IMAGE" },
        { type: "audio", mimeType: "audio/wav", data: "AUDIO" },
        { type: "resource", resource: { uri: "x://b", blob: "BLOB" } },
      ],
      n: 1,
    };
    const strings = stringsIn(value)!;
    expect(strings).toEqual(expect.arrayContaining(["content", "type", "text", "a", "image/png", "x://b", "n"]));
    for (const binary of ["IMAGE", "AUDIO", "BLOB"]) expect(strings).not.toContain(binary);
  });

  it("refuses to read what is nested deeper than it checks", () => {
    let deep: unknown = "ana@example.com";
    for (let i = 0; i < MAX_SCAN_DEPTH + 1; i++) deep = [deep];
    expect(stringsIn(deep)).toBeUndefined();
  });

  it("masks strings and keys, leaves other types, and gives up when two keys would merge", async () => {
    const snapshot = await snapshotOf({ "guard:mail": { detect: { email: "mask" } } });
    const rules = guardPlan(snapshot, ["mail"]).response!.rules;
    const mask = (value: unknown) => {
      const scan = newScan(stringsIn(value)!);
      applyRules(scan, rules);
      return maskedValue(value, scan.toMask);
    };
    expect(mask({ "ana@example.com": ["to ana@example.com", 4, false, null] })).toEqual({
      "<EMAIL>": ["to <EMAIL>", 4, false, null],
    });
    expect(mask({ "ana@example.com": 1, "bo@example.com": 2 })).toBeUndefined();
    const proto = JSON.parse('{"__proto__": "ana@example.com"}') as object;
    const masked = mask(proto) as object;
    expect(Object.getOwnPropertyDescriptor(masked, "__proto__")?.value).toBe("<EMAIL>");
  });
});
