// `mcpgw validate` over folders and files written for each test, through the gateway's own
// loader: what it accepts, and each problem it names (entry, file, field, reason).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../cli/main.js";
import { validate } from "../../cli/validate.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder with these files (path → JSON value, or raw text). */
function folder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-"));
  made.push(dir);
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), typeof value === "string" ? value : JSON.stringify(value));
  }
  return dir;
}

const OK_SERVER = { url: "https://ok.example.com/mcp" };

describe("mcpgw validate", () => {
  it("accepts the sample configuration", async () => {
    expect(await validate("config/sample")).toEqual({ problems: [], entries: 3 });
  });

  it("names each bad entry with its file, field and reason", async () => {
    const dir = folder({
      "settings.json": { pageSize: "ten" },
      "servers/bad.json": { url: "ftp://x" },
      "agents/broken.json": "not json",
    });
    const { problems } = await validate(dir, { projectDir: dir });
    expect(problems).toEqual([
      expect.stringMatching(/^settings \(.*settings\.json\): .*expected number.*pageSize/),
      expect.stringMatching(/^server:bad \(.*servers\/bad\.json\): .*URL.*url/),
      expect.stringMatching(/^agent:broken \(.*agents\/broken\.json\): not valid JSON/),
    ]);
  });

  it("checks across entries: unknown servers and guards, undeclared secrets, globs that never match", async () => {
    const dir = folder({
      "servers/ok.json": OK_SERVER,
      "servers/keyed.json": { url: "https://api.example.com/mcp", headers: { "X-Key": "${API_KEY}" } },
      "agents/dev.json": {
        allow: { servers: ["ok", "ghost"], tools: { ok: ["read file", "get_*"] } },
        guards: ["pii"],
      },
      "virtual-servers/team.json": { servers: ["ok", "phantom"], agents: ["dev"] },
      "notes.txt": "hello",
    });
    const { problems } = await validate(dir, { projectDir: dir });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server:keyed .*missing secret\(s\) API_KEY/),
        "agent:dev allow.servers names server 'ghost', which is not registered",
        "vs:team servers names server 'phantom', which is not registered",
        expect.stringMatching(/^agent:dev guards names guard 'pii'/),
        "agent:dev: allow.tools.ok: 'read file' can never match a tool name",
        expect.stringMatching(/notes\.txt: not read by the gateway/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it("takes secrets as declared from --secret, .dev.vars and wrangler.toml's [vars]", async () => {
    const server = (name: string) => ({ url: "https://api.example.com/mcp", headers: { "X-Key": `\${${name}}` } });
    const dir = folder({
      "servers/a.json": server("FROM_FLAG"),
      "servers/b.json": server("FROM_DEV_VARS"),
      "servers/c.json": server("FROM_TOML"),
      ".dev.vars": "FROM_DEV_VARS=x\n",
      "wrangler.toml": 'name = "gw"\n\n[vars]\nFROM_TOML = "y"\n\n[[kv_namespaces]]\nbinding = "CONFIG"\n',
    });
    const { problems } = await validate(dir, { projectDir: dir, secrets: ["FROM_FLAG"] });
    expect(problems.filter((p) => p.includes("secret"))).toEqual([]);
  });

  it("validates one entry as its folder and name say", async () => {
    const dir = folder({ "servers/ok.json": OK_SERVER, "other/x.json": {} });
    expect(await validate(join(dir, "servers", "ok.json"))).toEqual({ problems: [], entries: 1 });
    await expect(validate(join(dir, "other", "x.json"))).rejects.toThrow(/not an entry/);
  });

  it("exits 0 when valid, 1 with problems, 2 on bad usage", async () => {
    const lines: string[] = [];
    expect(await run(["validate", "config/sample"], (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe("✓ 3 entries valid");
    const bad = folder({ "servers/bad.json": { url: "ftp://x" } });
    expect(await run(["validate", bad], (l) => lines.push(l))).toBe(1);
    expect(await run(["validate"], (l) => lines.push(l))).toBe(2);
    expect(await run(["validate", "/no/such/place"], (l) => lines.push(l))).toBe(2);
    expect(await run(["frobnicate"], (l) => lines.push(l))).toBe(2);
  });
});
