import { describe, expect, it } from "vitest";
import { loadSnapshot, type LastGood } from "../../src/config/snapshot.js";
import { DEFAULT_SETTINGS } from "../../src/config/schemas.js";
import { memoryKv } from "../../cli/memory-kv.js";

const server = (fields: Record<string, unknown>) => JSON.stringify({ url: "https://mcp.example.com/mcp", ...fields });

describe("loadSnapshot", () => {
  it("reads registrations and settings, applying defaults", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({ "server:github": server({ timeoutMs: 5000 }), settings: '{"prefixStrategy":"never"}' }),
      {},
      new Map(),
    );
    expect([...snapshot.servers.keys()]).toEqual(["github"]);
    expect(snapshot.servers.get("github")!.timeoutMs).toBe(5000);
    expect(snapshot.settings).toEqual({ ...DEFAULT_SETTINGS, prefixStrategy: "never" });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.revision).toMatch(/^[0-9a-f]{12}$/);
  });

  it("skips and reports an invalid entry while the others keep working", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({ "server:good": server({}), "server:bad": '{"url":"ftp://x"}', "server:worse": "{not json" }),
      {},
      new Map(),
    );
    expect([...snapshot.servers.keys()]).toEqual(["good"]);
    expect(snapshot.problems.map((p) => [p.key, p.keptLastGood])).toEqual([
      ["server:bad", false],
      ["server:worse", false],
    ]);
    expect(snapshot.problems[1]!.problem).toBe("not valid JSON");
    expect([...snapshot.unusable.keys()].sort()).toEqual(["bad", "worse"]);
  });

  it("keeps the last good version of an entry that turns invalid, and says so", async () => {
    const lastGood: LastGood = new Map();
    await loadSnapshot(memoryKv({ "server:a": server({ description: "v1" }) }), {}, lastGood);
    const next = await loadSnapshot(memoryKv({ "server:a": server({ timeoutMs: "soon" }) }), {}, lastGood);
    expect(next.servers.get("a")!.registration.description).toBe("v1");
    expect(next.problems).toEqual([expect.objectContaining({ key: "server:a", keptLastGood: true })]);
  });

  it("forgets an entry that was deleted", async () => {
    const lastGood: LastGood = new Map();
    await loadSnapshot(memoryKv({ "server:a": server({}) }), {}, lastGood);
    const next = await loadSnapshot(memoryKv({}), {}, lastGood);
    expect(next.servers.size).toBe(0);
    expect(lastGood.size).toBe(0);
  });

  it("makes a server with a missing secret unusable, naming the secret but no value", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({ "server:gh": server({ headers: { authorization: "Bearer ${GH_TOKEN}", "x-k": "${PRESENT}" } }) }),
      { PRESENT: "super-secret-value" },
      new Map(),
    );
    expect(snapshot.servers.size).toBe(0);
    expect(snapshot.unusable.get("gh")).toMatch(/GH_TOKEN/);
    expect(JSON.stringify(snapshot.problems)).not.toContain("super-secret-value");
  });

  it("resolves secrets into headers and changes the fingerprint, not the revision, when a secret rotates", async () => {
    const kv = memoryKv({ "server:gh": server({ headers: { authorization: "Bearer ${GH_TOKEN}" } }) });
    const one = await loadSnapshot(kv, { GH_TOKEN: "a" }, new Map());
    const two = await loadSnapshot(kv, { GH_TOKEN: "b" }, new Map());
    expect(one.servers.get("gh")!.headers).toEqual({ authorization: "Bearer a" });
    expect(one.servers.get("gh")!.fingerprint).not.toBe(two.servers.get("gh")!.fingerprint);
    expect(one.revision).toBe(two.revision);
  });

  it("leaves out disabled servers without calling them a problem", async () => {
    const snapshot = await loadSnapshot(memoryKv({ "server:off": server({ enabled: false }) }), {}, new Map());
    expect(snapshot.servers.size).toBe(0);
    expect(snapshot.problems).toEqual([]);
  });

  it.each([
    ["an unknown field (a typo)", { url: "https://x/mcp", timeout: 5 }],
    ["a reserved header", { url: "https://x/mcp", headers: { "Mcp-Session-Id": "x" } }],
    ["a non-http URL", { url: "file:///etc/passwd" }],
    ["a prefix with spaces", { url: "https://x/mcp", prefix: "a b" }],
    ["a prototype-polluting key", JSON.parse('{"url":"https://x/mcp","__proto__":{"enabled":false}}')],
  ])("refuses a registration with %s", async (_label, value) => {
    const snapshot = await loadSnapshot(memoryKv({ "server:x": JSON.stringify(value) }), {}, new Map());
    expect(snapshot.servers.size).toBe(0);
    expect(snapshot.problems).toHaveLength(1);
  });

  it("refuses a registration under an invalid name", async () => {
    const snapshot = await loadSnapshot(memoryKv({ "server:Bad Name": server({}) }), {}, new Map());
    expect(snapshot.servers.size).toBe(0);
    expect(snapshot.problems[0]!.key).toBe("server:Bad Name");
  });

  it("falls back to default settings when settings are invalid", async () => {
    const snapshot = await loadSnapshot(memoryKv({ settings: '{"pageSize":0}' }), {}, new Map());
    expect(snapshot.settings).toEqual(DEFAULT_SETTINGS);
    expect(snapshot.problems[0]!.key).toBe("settings");
  });
});
