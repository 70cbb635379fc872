/// <reference types="node" />
// `npm run key:create`: keys are strong and distinct, their KV id is the SHA-256 of exactly
// the key, records are what the gateway's ApiKeySchema accepts, and the command refuses bad
// input with exit code 2 and prints commands a shell reads back exactly.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  API_KEY_PREFIX,
  createApiKey,
  generateApiKey,
  hashApiKey,
  KV_KEY_PREFIX,
  LOCAL_PERSIST_DIR,
  MAX_EXPIRY_DAYS,
  parseArgs,
  parseExpiry,
  shellCommand,
  type KeyOptions,
} from "../../scripts/api-keys.js";
import { ApiKeySchema } from "../../src/config/schemas.js";
import { KEY_PREFIX } from "../../src/config/snapshot.js";

const root = join(import.meta.dirname, "..", "..");
const NOW = new Date("2026-06-15T12:00:00.000Z");
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const options = (extra: Partial<KeyOptions> = {}): KeyOptions => ({ agent: "frontend", writeLocal: false, ...extra });

async function created(extra: Partial<KeyOptions> = {}) {
  const result = await createApiKey(options(extra), NOW);
  if (!result.ok) throw new Error(result.problem);
  return result.value;
}

describe("generateApiKey", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is the prefix and 32 random bytes in base64url", () => {
    const key = generateApiKey();
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    const body = key.slice(API_KEY_PREFIX.length);
    expect(body).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(body, "base64url")).toHaveLength(32);
  });

  it("takes its bytes from crypto.getRandomValues and encodes them exactly", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 251) % 256);
    const spy = vi.spyOn(crypto, "getRandomValues").mockImplementation((array) => {
      (array as Uint8Array).set(bytes);
      return array;
    });
    expect(generateApiKey()).toBe(API_KEY_PREFIX + Buffer.from(bytes).toString("base64url"));
    expect((spy.mock.calls[0]?.[0] as Uint8Array).byteLength).toBe(32);
  });

  it("never repeats and spreads over every byte value", () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    const seen = new Set(keys.flatMap((k) => [...Buffer.from(k.slice(API_KEY_PREFIX.length), "base64url")]));
    // 6400 uniform bytes miss a given value with probability e^-25: anything much below 256 is not random.
    expect(seen.size).toBeGreaterThan(250);
  });
});

describe("hashApiKey", () => {
  it("is the SHA-256 hex of exactly the raw key, prefix included", async () => {
    const key = generateApiKey();
    expect(await hashApiKey(key)).toBe(sha256(key));
    expect(await hashApiKey(key)).not.toBe(sha256(key.slice(API_KEY_PREFIX.length)));
    expect(await hashApiKey("mcpgw_ünïcode")).toBe(sha256("mcpgw_ünïcode"));
  });
});

describe("parseExpiry", () => {
  it.each([
    ["90d", "2026-09-13T12:00:00.000Z"],
    ["1d", "2026-06-16T12:00:00.000Z"],
    [`${MAX_EXPIRY_DAYS}d`, new Date(NOW.getTime() + MAX_EXPIRY_DAYS * 86_400_000).toISOString()],
    ["2027-01-31", "2027-01-31T00:00:00.000Z"],
    ["2026-06-16T00:00:00Z", "2026-06-16T00:00:00.000Z"],
    ["2026-06-16T09:30:00.5+02:00", "2026-06-16T07:30:00.500Z"],
    ["2028-02-29", "2028-02-29T00:00:00.000Z"],
  ])("reads %s as %s", (text, expected) => {
    expect(parseExpiry(text, NOW)).toEqual({ ok: true, value: expected });
  });

  it.each(["2020-01-01", "2026-06-15", "2026-06-15T12:00:00Z", "2026-06-15T13:00:00+02:00"])(
    "refuses %s, which is not in the future",
    (text) => {
      expect(parseExpiry(text, NOW)).toEqual({ ok: false, problem: expect.stringContaining("not in the future") });
    },
  );

  it.each([
    "",
    "garbage",
    "tomorrow",
    "90",
    "90 d",
    "0d",
    "-5d",
    `${MAX_EXPIRY_DAYS + 1}d`,
    "3m",
    "1",
    "2027-13-01",
    "2027-02-30",
    "2027-02-29",
    "2027-1-31",
    "2027-01-31T12:00:00",
    "2027-01-31 12:00:00Z",
    "2027-01-31T25:00:00Z",
    "Jan 31 2027",
  ])("refuses %j", (text) => {
    expect(parseExpiry(text, NOW).ok).toBe(false);
  });
});

describe("parseArgs", () => {
  it("reads every option, spaced or with =", () => {
    expect(parseArgs(["--agent", "frontend", "--label=Ann's laptop", "--expires", "90d", "--write-local"])).toEqual({
      ok: true,
      value: { agent: "frontend", label: "Ann's laptop", expires: "90d", writeLocal: true },
    });
    expect(parseArgs(["--agent=ci.bot"])).toEqual({ ok: true, value: { agent: "ci.bot", writeLocal: false } });
  });

  it("answers --help", () => {
    expect(parseArgs(["--agent", "x", "--help"])).toEqual({ ok: true, value: "help" });
  });

  it.each([
    [[], "--agent <name> is required"],
    [["--agent"], "--agent needs a value"],
    [["--agent", "--label", "x"], "--agent needs a value"],
    [["--agent", "Frontend"], "invalid agent name 'Frontend'"],
    [["--agent", "-x"], "invalid agent name '-x'"],
    [["--agent", ""], "invalid agent name ''"],
    [["--agent", "a".repeat(64)], "invalid agent name"],
    [["--agent", "a", "--agent", "b"], "--agent given more than once"],
    [["--agent", "a", "--expire", "9d"], "unknown option --expire"],
    [["--agent", "a", "--write-local=yes"], "unknown option --write-local"],
    [["--agent", "a", "extra"], "unexpected argument 'extra'"],
  ])("refuses %j: %s", (argv, problem) => {
    expect(parseArgs(argv)).toEqual({ ok: false, problem: expect.stringContaining(problem) });
  });
});

describe("createApiKey", () => {
  it("makes a record the gateway's ApiKeySchema accepts, stored under apikey:<sha256 of the key>", async () => {
    const made = await created({ label: "Ann's laptop", expires: "30d" });
    expect(made.hash).toBe(sha256(made.key));
    expect(made.kvKey).toBe(`apikey:${made.hash}`);
    expect(KV_KEY_PREFIX).toBe(KEY_PREFIX.apiKey);
    expect(made.record).toEqual({
      agent: "frontend",
      label: "Ann's laptop",
      expiresAt: "2026-07-15T12:00:00.000Z",
      createdAt: NOW.toISOString(),
    });
    expect(ApiKeySchema.parse(JSON.parse(made.json))).toEqual(made.record);
  });

  it("leaves label and expiry out when not given", async () => {
    const made = await created();
    expect(JSON.parse(made.json)).toEqual({ agent: "frontend", createdAt: NOW.toISOString() });
  });

  it("never puts the raw key into the record or the commands", async () => {
    const made = await created({ label: "l" });
    const secretPart = made.key.slice(API_KEY_PREFIX.length);
    expect([made.json, ...made.localArgs, ...made.remoteArgs].join(" ")).not.toContain(secretPart);
  });

  it("writes locally where npm run dev reads, and remotely to the same binding", async () => {
    const made = await created();
    expect(made.localArgs).toEqual([
      "kv",
      "key",
      "put",
      "--local",
      "--binding",
      "CONFIG",
      "--persist-to",
      LOCAL_PERSIST_DIR,
      made.kvKey,
      made.json,
    ]);
    expect(made.remoteArgs).toEqual(["kv", "key", "put", "--remote", "--binding", "CONFIG", made.kvKey, made.json]);
  });

  it("gives a different key and hash each time", async () => {
    const [a, b] = [await created(), await created()];
    expect(a.key).not.toBe(b.key);
    expect(a.hash).not.toBe(b.hash);
  });

  it("refuses what ApiKeySchema refuses, and bad expiries", async () => {
    expect(await createApiKey(options({ label: "x".repeat(201) }), NOW)).toEqual({
      ok: false,
      problem: expect.stringContaining("label"),
    });
    expect(await createApiKey(options({ expires: "yesterday" }), NOW)).toEqual({
      ok: false,
      problem: expect.stringContaining("--expires yesterday"),
    });
  });
});

describe("shellCommand", () => {
  it("quotes so that a POSIX shell reads back exactly the arguments", () => {
    const args = ["put", "apikey:ab12", `{"agent":"a","label":"Ann's \`laptop\` $HOME \\ !x"}`, "", "a b"];
    const echoed = spawnSync("sh", ["-c", `printf '%s\\n' ${shellCommand(args)}`], { encoding: "utf8" });
    expect(echoed.stdout).toBe(args.map((a) => `${a}\n`).join(""));
  });
});

describe("npm run key:create", () => {
  const run = (...argv: string[]) =>
    spawnSync("npx", ["tsx", "scripts/key-create.ts", ...argv], { cwd: root, encoding: "utf8" });

  it("prints the key once, its SHA-256 and the commands that store that hash", { timeout: 60_000 }, () => {
    const result = run("--agent", "frontend", "--label", "Ann's laptop", "--expires", "30d");
    expect(result.status, result.stderr).toBe(0);
    const out = result.stdout;
    const key = /^\s+(mcpgw_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1] ?? "";
    const hash = /^SHA-256: ([0-9a-f]{64})$/m.exec(out)?.[1];
    expect(hash).toBe(sha256(key));
    expect(out.split(key)).toHaveLength(2);
    expect(out).toMatch(/cannot be shown again/);

    const local = out.split("\n").find((line) => line.includes("--local")) ?? "";
    const remote = out.split("\n").find((line) => line.includes("--remote")) ?? "";
    expect(local).toContain(
      `npx wrangler kv key put --local --binding CONFIG --persist-to .wrangler/state apikey:${hash} '`,
    );
    expect(remote).toContain(`npx wrangler kv key put --remote --binding CONFIG apikey:${hash} '`);
    const echoed = spawnSync("sh", ["-c", `printf '%s' ${local.slice(local.indexOf("'"))}`], { encoding: "utf8" });
    expect(ApiKeySchema.parse(JSON.parse(echoed.stdout))).toMatchObject({ agent: "frontend", label: "Ann's laptop" });
  });

  it("exits with 2 and says why on a bad agent name, without making a key", { timeout: 60_000 }, () => {
    const result = run("--agent", "Not_Valid!");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("invalid agent name 'Not_Valid!'");
    expect(result.stdout).not.toContain("mcpgw_");
  });
});
