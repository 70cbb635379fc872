// Writes KV entries with wrangler itself (`wrangler kv bulk put`), into the local KV that
// `npm run dev` and `wrangler dev` read (.wrangler/state) or into the deployed namespace.
// Nothing here talks to Cloudflare directly: --remote is wrangler's, with its login.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KvEntry } from "./import-config.js";

const ROOT = join(import.meta.dirname, "..");
/** Where `npm run dev` keeps local state (scripts/dev.mjs); MCPGW_PERSIST_TO says otherwise. */
const localState = () => process.env["MCPGW_PERSIST_TO"] ?? join(".wrangler", "state");

export async function bulkPut(entries: readonly KvEntry[], target: "local" | "remote"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-kv-"));
  const file = join(dir, "entries.json");
  try {
    writeFileSync(file, JSON.stringify(entries));
    const where = target === "local" ? ["--local", "--persist-to", localState()] : ["--remote"];
    await wrangler(["kv", "bulk", "put", file, "--binding", "CONFIG", ...where]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function wrangler(args: readonly string[]): Promise<void> {
  // On the Node this runs on (the project's Node 22, which wrangler needs), not whatever `node` PATH finds.
  const bin = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} failed:\n${stderr.trim()}`)),
    );
  });
}
