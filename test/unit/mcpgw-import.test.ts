// `mcpgw import` over the configuration files people have: what becomes an entry, what is
// skipped and why, and that no credential is ever written into an entry or printed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { importConfig } from "../../cli/import-config.js";
import { run } from "../../cli/main.js";
import { validate } from "../../cli/validate.js";

const TOKEN = "ghp_abcdefabcdefabcdefabcdefabcdefabcdef";
const WRANGLER = join(import.meta.dirname, "..", "..", "node_modules", "wrangler", "bin", "wrangler.js");
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-import-"));
  made.push(dir);
  writeFileSync(join(dir, name), JSON.stringify(value));
  return join(dir, name);
}

const CLAUDE_CODE = {
  mcpServers: {
    "brave-search": { command: "npx", args: ["-y", "@modelcontextprotocol/server-brave-search"] },
    notion: { type: "http", url: "https://mcp.notion.com/mcp" },
    GitHub: { type: "http", url: "https://api.githubcopilot.com/mcp/", headers: { Authorization: `Bearer ${TOKEN}` } },
    linear: {
      type: "sse",
      url: "https://mcp.linear.app/sse",
      headers: { "X-Api-Key": "${LINEAR_KEY}", "X-Team": "eng" },
    },
  },
};

describe("mcpgw import", () => {
  it("makes remote servers entries, keeps credentials out of them, and names the secrets to put", () => {
    const { entries, notes, secrets } = importConfig(file(".mcp.json", CLAUDE_CODE));
    expect(entries).toEqual([
      { key: "server:notion", value: JSON.stringify({ url: "https://mcp.notion.com/mcp" }) },
      {
        key: "server:github",
        value: JSON.stringify({
          url: "https://api.githubcopilot.com/mcp/",
          headers: { Authorization: "Bearer ${GITHUB_AUTHORIZATION}" },
        }),
      },
      {
        key: "server:linear",
        value: JSON.stringify({
          url: "https://mcp.linear.app/sse",
          headers: { "X-Api-Key": "${LINEAR_KEY}", "X-Team": "eng" },
        }),
      },
    ]);
    expect(notes).toEqual([
      expect.stringMatching(/^skipped server 'brave-search': a local stdio command/),
      "server 'GitHub' is named 'github' here (gateway names)",
    ]);
    expect(secrets).toEqual([
      expect.stringMatching(/^wrangler secret put GITHUB_AUTHORIZATION /),
      expect.stringMatching(/^wrangler secret put LINEAR_KEY /),
    ]);
    expect(JSON.stringify({ entries, notes, secrets })).not.toContain(TOKEN);
  });

  it("reads Claude Desktop's mcp-remote entries and VS Code's `servers`", () => {
    const desktop = {
      mcpServers: {
        asana: {
          command: "npx",
          args: ["-y", "mcp-remote", "https://mcp.asana.com/sse", "--header", "Authorization: Bearer ${ASANA_TOKEN}"],
          env: { ASANA_TOKEN: "tok-123456789" },
        },
      },
    };
    const { entries, secrets } = importConfig(file("claude_desktop_config.json", desktop));
    expect(entries).toEqual([
      {
        key: "server:asana",
        value: JSON.stringify({
          url: "https://mcp.asana.com/sse",
          headers: { Authorization: "Bearer ${ASANA_TOKEN}" },
        }),
      },
    ]);
    expect(secrets).toEqual([expect.stringMatching(/^wrangler secret put ASANA_TOKEN /)]);
    expect(JSON.stringify(entries)).not.toContain("tok-123456789");

    const vscode = { servers: { docs: { type: "http", url: "https://docs.example.com/mcp" } } };
    expect(importConfig(file("mcp.json", vscode)).entries.map((e) => e.key)).toEqual(["server:docs"]);
  });

  it("turns agent-mcp-gateway rules into agents, with the servers' gateway names", () => {
    const rules = {
      agents: {
        researcher: { allow: { servers: ["brave-search", "notion"] } },
        "Backend Dev": {
          allow: { servers: ["GitHub"], tools: { GitHub: ["get_*"] } },
          deny: { tools: { GitHub: ["delete_*"] } },
        },
      },
      defaults: { deny_on_missing_agent: false },
    };
    const { entries, notes } = importConfig(file(".mcp.json", CLAUDE_CODE), file(".mcp-gateway-rules.json", rules));
    expect(entries.filter((e) => e.key.startsWith("agent:"))).toEqual([
      { key: "agent:researcher", value: JSON.stringify({ allow: { servers: ["brave-search", "notion"] } }) },
      {
        key: "agent:backend-dev",
        value: JSON.stringify({
          allow: { servers: ["github"], tools: { github: ["get_*"] } },
          deny: { tools: { github: ["delete_*"] } },
        }),
      },
    ]);
    expect(notes).toEqual(
      expect.arrayContaining([
        "agent:researcher allows server 'brave-search', which is not imported (skipped, or not in the file)",
        expect.stringMatching(/^defaults\.deny_on_missing_agent is not imported/),
      ]),
    );
  });

  it("prints a bulk file that the gateway's own loader accepts", async () => {
    const printed: string[] = [];
    const told: string[] = [];
    const code = await run(
      ["import", file(".mcp.json", CLAUDE_CODE)],
      (l) => printed.push(l),
      (l) => told.push(l),
    );
    expect(code).toBe(0);
    const entries = JSON.parse(printed.join("\n")) as Array<{ key: string; value: string }>;
    const dir = mkdtempSync(join(tmpdir(), "mcpgw-roundtrip-"));
    made.push(dir);
    mkdirSync(join(dir, "servers"));
    for (const { key, value } of entries) writeFileSync(join(dir, "servers", `${key.slice(7)}.json`), value);
    expect(await validate(dir, { secrets: ["GITHUB_AUTHORIZATION", "LINEAR_KEY"], projectDir: dir })).toEqual({
      problems: [],
      entries: 3,
    });
    expect(told.join("\n")).toContain("wrangler secret put GITHUB_AUTHORIZATION");
  });

  it("writes the entries into local KV with wrangler (--write-local)", async () => {
    const state = mkdtempSync(join(tmpdir(), "mcpgw-state-"));
    made.push(state);
    process.env["MCPGW_PERSIST_TO"] = state;
    try {
      const printed: string[] = [];
      expect(
        await run(
          ["import", file(".mcp.json", CLAUDE_CODE), "--write-local"],
          (l) => printed.push(l),
          () => {},
        ),
      ).toBe(0);
      expect(printed).toEqual([
        "wrote server:notion (local)",
        "wrote server:github (local)",
        "wrote server:linear (local)",
      ]);
      const got = spawnSync(
        process.execPath,
        [WRANGLER, "kv", "key", "get", "--local", "--persist-to", state, "--binding", "CONFIG", "server:github"],
        { encoding: "utf8" },
      );
      expect(JSON.parse(got.stdout.trim().split("\n").at(-1)!)).toEqual({
        url: "https://api.githubcopilot.com/mcp/",
        headers: { Authorization: "Bearer ${GITHUB_AUTHORIZATION}" },
      });
    } finally {
      delete process.env["MCPGW_PERSIST_TO"];
    }
  }, 60_000);

  it("refuses a file with nothing to import, or that is not JSON (exit 2)", async () => {
    const lines: string[] = [];
    expect(await run(["import", file("empty.json", {})], (l) => lines.push(l))).toBe(2);
    expect(lines.at(-1)).toMatch(/no 'mcpServers'/);
    expect(await run(["import"], (l) => lines.push(l))).toBe(2);
  });
});
