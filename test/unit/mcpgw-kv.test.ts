// The mcpgw commands that change KV, against a local KV of their own (wrangler's, in a
// temporary folder, as `npm run dev` keeps it): each prints what it changed, and refuses an
// entry the gateway would not load. One sequence, since each wrangler run takes seconds.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run } from "../../cli/main.js";
import { bulkPut } from "../../cli/wrangler-kv.js";

let state: string;
beforeAll(() => {
  state = mkdtempSync(join(tmpdir(), "mcpgw-kv-test-"));
  process.env["MCPGW_PERSIST_TO"] = state;
});
afterAll(() => {
  delete process.env["MCPGW_PERSIST_TO"];
  rmSync(state, { recursive: true, force: true });
});

async function mcpgw(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

const FINGERPRINT = "ab".repeat(32);

it("adds, lists, disables servers, approves pins, lists and revokes keys, exports, refusing what would not load", async () => {
  expect(
    await mcpgw("servers", "add", "docs", "https://docs.example.com/mcp?x=1", "--header", "X-Key: ${DOCS_KEY}"),
  ).toEqual({
    code: 0,
    out: ["wrote server:docs (local)", expect.stringContaining("wrangler secret put DOCS_KEY")],
    err: [],
  });
  const refused = await mcpgw("servers", "add", "bad", "ftp://nowhere");
  expect(refused.code).toBe(1);
  expect(refused.err.join("\n")).toMatch(/server:bad would not load, nothing written: .*url/);

  expect((await mcpgw("servers", "disable", "docs")).out).toEqual(["wrote server:docs (local)"]);
  expect((await mcpgw("servers", "list")).out).toEqual(["docs\tdisabled\thttps://docs.example.com/mcp"]);

  expect((await mcpgw("pins", "approve", "docs", "search", FINGERPRINT)).out).toEqual(["wrote pin:docs (local)"]);
  expect((await mcpgw("pins", "approve", "docs", "search", "not-hex")).code).toBe(1);

  const hash = createHash("sha256").update("mcpgw_test_key").digest("hex");
  await bulkPut([{ key: `apikey:${hash}`, value: JSON.stringify({ agent: "ci", label: "build bot" }) }], "local");
  expect((await mcpgw("keys", "list")).out).toEqual([`${hash.slice(0, 8)}\tci\tbuild bot`]);

  const exported = JSON.parse((await mcpgw("export")).out.join("\n")) as Array<{ key: string; value: string }>;
  expect(exported.map((e) => e.key).sort()).toEqual([`apikey:${hash}`, "pin:docs", "server:docs"]);
  expect(JSON.parse(exported.find((e) => e.key === "pin:docs")!.value)).toEqual({ search: FINGERPRINT });

  expect((await mcpgw("keys", "revoke", hash.slice(0, 8))).out).toEqual([
    `revoked apikey:${hash.slice(0, 8)}… (local)`,
  ]);
  expect((await mcpgw("keys", "list")).out).toEqual([]);
  expect((await mcpgw("servers", "frobnicate")).code).toBe(2);
}, 180_000);
