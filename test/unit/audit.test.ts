// Audit lines and payload redaction: what reaches the log is one bounded JSON line per
// event, and no secret, bearer token or gateway key in a payload survives into it.
import { Buffer } from "node:buffer";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { audit, redactPayload, REDACTED, REDACTION_LIMITS } from "../../src/observe/audit.js";

describe("redactPayload", () => {
  it.each([
    "token",
    "access_token",
    "refreshToken",
    "SECRET",
    "client_secret",
    "password",
    "Passwd",
    "Authorization",
    "proxy-authorization",
    "api_key",
    "api-key",
    "ApiKey",
    "x-api-key",
    "Cookie",
    "set-cookie",
    "credential",
    "credentials",
    "private_key",
    "privateKey",
    "session",
    "sessionId",
  ])("redacts whatever sits under a %s key", (key) => {
    const payload = { [key]: "s3cr3t-value", other: "kept" };
    expect(redactPayload(payload, [])).toEqual({ [key]: REDACTED, other: "kept" });
  });

  it("redacts a whole object or array under a secret-looking key, not just strings", () => {
    expect(redactPayload({ credentials: { user: "bob", pass: "x" }, tokens: ["a", "b"], password: 1234 }, [])).toEqual({
      credentials: REDACTED,
      tokens: REDACTED,
      password: REDACTED,
    });
  });

  it("leaves ordinary keys and values alone", () => {
    const payload = { query: "select 1", limit: 10, exact: true, nothing: null, tags: ["a", "b"], author: "ann" };
    expect(redactPayload(payload, [])).toEqual(payload);
  });

  it.each([
    ["Bearer abc.DEF-123_~+/=", `Bearer ${REDACTED}`],
    ["bearer abc", `bearer ${REDACTED}`],
    ["BEARER abc", `BEARER ${REDACTED}`],
    ["curl -H 'X: Bearer eyJhbGciOi.eyJzdWIi.sig' https://x", `curl -H 'X: Bearer ${REDACTED}' https://x`],
  ])("redacts the token of a bearer credential in a string: %s", (input, expected) => {
    expect(redactPayload({ note: input }, [])).toEqual({ note: expected });
  });

  it.each([
    ["Authorization: Basic dXNlcjpwYXNz", `Authorization: ${REDACTED}`],
    ["https://api.example/?token=abc123&page=2", `https://api.example/?token=${REDACTED}&page=2`],
    ['{"password":"hunter 2","user":"bob"}', `{"password":"${REDACTED}","user":"bob"}`],
    ["api_key = 'k e y' next", `api_key = '${REDACTED}' next`],
  ])("redacts secret-looking assignments inside text: %s", (input, expected) => {
    expect(redactPayload(input, [])).toBe(expected);
  });

  it("redacts the gateway's own API keys wherever they appear", () => {
    const key = "mcpgw_" + "A1b2-C3d4_".repeat(4);
    expect(redactPayload({ msg: `use ${key} to connect` }, [])).toEqual({ msg: `use ${REDACTED} to connect` });
  });

  it("redacts every occurrence of a given secret, mid-string included", () => {
    expect(redactPayload("aaSuperSecret42bb SuperSecret42", ["SuperSecret42"])).toBe(`aa${REDACTED}bb ${REDACTED}`);
  });

  it("redacts the credential part of a secret header value on its own too", () => {
    const header = "Bearer ghp_0123456789abcdef";
    expect(redactPayload({ said: "token ghp_0123456789abcdef works" }, [header])).toEqual({
      said: `token ${REDACTED} works`,
    });
  });

  it("redacts a given secret JSON-escaped and base64 inside Basic credentials too", () => {
    const secret = 'S3cret"Value';
    const basic = Buffer.from(`user:${secret}`, "utf8").toString("base64");
    const out = redactPayload({ json: JSON.stringify({ key: secret }), header: `Basic ${basic}` }, [secret]);
    expect(out).toEqual({ json: `{"key":"${REDACTED}"}`, header: expect.stringContaining(REDACTED) });
    expect(JSON.stringify(out)).not.toContain(basic);
  });

  it("prefers the longest secret, so one secret inside another leaves nothing behind", () => {
    expect(redactPayload("x-abcdef-123456-y", ["abcdef", "abcdef-123456"])).toBe(`x-${REDACTED}-y`);
  });

  it("ignores secrets shorter than four characters, which would redact ordinary words", () => {
    expect(redactPayload("a cat on a mat", ["cat", "a", ""])).toBe("a cat on a mat");
  });

  it("redacts secrets inside keys as well as values", () => {
    expect(redactPayload({ "pre-Xq7zPlm42": 1 }, ["Xq7zPlm42"])).toEqual({ [`pre-${REDACTED}`]: 1 });
  });

  it("redacts at every depth, inside arrays and objects", () => {
    const payload = { a: [{ b: { c: ["Bearer xyz", { password: "p" }, "has S3cretValue!"] } }] };
    expect(redactPayload(payload, ["S3cretValue"])).toEqual({
      a: [{ b: { c: [`Bearer ${REDACTED}`, { password: REDACTED }, `has ${REDACTED}!`] } }],
    });
  });

  it("copies instead of changing the caller's payload", () => {
    const payload = { password: "p", nested: { note: "Bearer xyz" } };
    const copy = redactPayload(payload, []);
    expect(payload).toEqual({ password: "p", nested: { note: "Bearer xyz" } });
    expect(copy).not.toBe(payload);
  });

  it("truncates long strings, after redacting so a cut cannot hide half a secret", () => {
    const secret = "S3cretValue";
    const long = "x".repeat(REDACTION_LIMITS.maxStringChars - 5) + secret + "y".repeat(5000);
    const out = redactPayload(long, [secret]) as string;
    expect(out.length).toBeLessThan(REDACTION_LIMITS.maxStringChars + 50);
    expect(out).toContain("[TRUNCATED:");
    expect(out).not.toContain("S3cr");
  });

  it("caps arrays and says how many items were left out", () => {
    const out = redactPayload(
      Array.from({ length: 250 }, (_, i) => i),
      [],
    ) as unknown[];
    expect(out).toHaveLength(REDACTION_LIMITS.maxArrayItems + 1);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe("[TRUNCATED: 150 more items]");
  });

  it("caps the keys of one object", () => {
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    const out = redactPayload(wide, []) as Record<string, unknown>;
    expect(Object.keys(out)).toHaveLength(REDACTION_LIMITS.maxObjectKeys + 1);
    expect(out["[TRUNCATED]"]).toBe("200 more keys");
  });

  it("stops at a bounded depth", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 1000; i++) deep = { d: deep };
    const text = JSON.stringify(redactPayload(deep, []));
    expect(text).toContain("[TRUNCATED: too deep]");
    expect(text).not.toContain("bottom");
    expect(text.match(/"d"/g)).toHaveLength(REDACTION_LIMITS.maxDepth);
  });

  it("bounds the whole payload, not just each part", () => {
    const grid = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => "x".repeat(100)));
    const text = JSON.stringify(redactPayload(grid, []));
    expect(text).toContain("[TRUNCATED: payload too large]");
    expect(text.length).toBeLessThan(REDACTION_LIMITS.maxNodes * 110);
  });

  it("marks cycles instead of following them", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    expect(redactPayload(loop, [])).toEqual({ name: "loop", self: "[CIRCULAR]" });
  });

  it("turns values JSON cannot hold into JSON", () => {
    expect(
      redactPayload({ n: 10n, when: new Date("2026-01-02T03:04:05Z"), f: () => 1, s: Symbol("s"), u: undefined }, []),
    ).toEqual({ n: "10", when: "2026-01-02T03:04:05.000Z", f: undefined, s: undefined, u: undefined });
  });

  it("copies __proto__, constructor and prototype keys as plain data without touching any prototype", () => {
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":"yes","password":"p"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"x":1}}',
    ) as object;
    const out = redactPayload(hostile, []) as Record<string, unknown>;

    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor", "prototype"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ polluted: "yes", password: REDACTED });
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(JSON.stringify(out)).toContain('"__proto__":{"polluted":"yes","password":"[REDACTED]"}');
  });

  it("does not read inherited properties, and survives a throwing getter", () => {
    const base = { inherited: "no" };
    const own = Object.create(base) as Record<string, unknown>;
    Object.defineProperty(own, "boom", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    own.fine = 1;
    expect(redactPayload(own, [])).toEqual({ boom: "[UNREADABLE]", fine: 1 });
  });
});

describe("audit", () => {
  let out: MockInstance<typeof console.log>;
  const lines = () => out.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

  beforeEach(() => {
    out = vi.spyOn(console, "log").mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per decision with the fields given and no others", () => {
    audit({
      kind: "decision",
      method: "tools/call",
      requestId: "r-1",
      agent: "frontend",
      delegate: "frontend.reviewer",
      virtualServer: "code",
      server: "postgres",
      name: "drop_table",
      decision: "deny",
      rule: "agent:frontend deny.tools.postgres[0]",
      revision: "0123456789ab",
    });

    expect(out).toHaveBeenCalledTimes(1);
    const [line] = lines();
    expect(line).toEqual({
      level: "info",
      event: "audit.decision",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      kind: "decision",
      method: "tools/call",
      requestId: "r-1",
      agent: "frontend",
      delegate: "frontend.reviewer",
      virtualServer: "code",
      server: "postgres",
      name: "drop_table",
      decision: "deny",
      rule: "agent:frontend deny.tools.postgres[0]",
      revision: "0123456789ab",
    });
    expect(String(out.mock.calls[0]?.[0])).not.toContain("\n");
  });

  it("writes upstream calls as audit.upstream with status and latency", () => {
    audit({ kind: "upstream", method: "tools/call", server: "github", upstreamStatus: "TIMEOUT", latencyMs: 30001 });
    expect(lines()[0]).toMatchObject({
      event: "audit.upstream",
      kind: "upstream",
      upstreamStatus: "TIMEOUT",
      latencyMs: 30001,
    });
  });

  it("records how much of a filtered list the agent saw", () => {
    audit({ kind: "decision", method: "tools/list", decision: "filtered", shown: 3, total: 12 });
    expect(lines()[0]).toMatchObject({ decision: "filtered", shown: 3, total: 12 });
  });

  it("never lets a secret, bearer token or secret-keyed value from a payload reach the log", () => {
    const headerSecret = "Bearer ghp_VerySecretGithubToken1";
    const otherSecret = "sk-live-0000aaaa1111";
    audit(
      {
        kind: "upstream",
        method: "tools/call",
        server: "github",
        uri: `https://x.example/?q=1&k=${otherSecret}`,
        arguments: {
          query: `find ghp_VerySecretGithubToken1 and ${otherSecret}`,
          headers: { authorization: "Bearer zzz-client-token", "x-api-key": "apikey-value-9" },
          list: ["Bearer another-token-42", { deep: { password: "hunter2-pass" } }],
        },
        result: { content: [{ type: "text", text: `echo: ${headerSecret}` }], session: "sess-abcdef" },
      },
      [headerSecret, otherSecret],
    );

    const written = out.mock.calls.map((call) => call.join(" ")).join("\n");
    for (const leaked of [
      "ghp_VerySecretGithubToken1",
      otherSecret,
      "zzz-client-token",
      "apikey-value-9",
      "another-token-42",
      "hunter2-pass",
      "sess-abcdef",
    ])
      expect(written).not.toContain(leaked);
    expect(lines()[0]).toMatchObject({ uri: `https://x.example/?q=1&k=${REDACTED}` });
  });
});
