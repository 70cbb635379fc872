// The gateway's CONFIG namespace through wrangler itself (`wrangler kv …`): the local KV
// that `npm run dev` and `wrangler dev` read (.wrangler/state), or the deployed namespace.
// Nothing here talks to Cloudflare directly: --remote is wrangler's, with its login.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KvEntry } from "./import-config.js";

const ROOT = join(import.meta.dirname, "..");
/** Where `npm run dev` keeps local state (scripts/dev.mjs); MCPGW_PERSIST_TO says otherwise. */
const localState = () => process.env["MCPGW_PERSIST_TO"] ?? join(".wrangler", "state");

export type Target = "local" | "remote";

export async function bulkPut(entries: readonly KvEntry[], target: Target): Promise<void> {
  await withFile(entries, (file) => wrangler(["kv", "bulk", "put", file, ...where(target)]));
}

export async function bulkDelete(keys: readonly string[], target: Target): Promise<void> {
  await withFile(keys, (file) => wrangler(["kv", "bulk", "delete", file, "--force", ...where(target)]));
}

/** Every key under these prefixes (all keys without any). */
export async function listKeys(target: Target, prefix?: string): Promise<string[]> {
  const out = await wrangler(["kv", "key", "list", ...(prefix ? ["--prefix", prefix] : []), ...where(target)]);
  return (JSON.parse(out) as Array<{ name: string }>).map((key) => key.name);
}

/** The values of these keys (absent ones left out). */
export async function getAll(keys: readonly string[], target: Target): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const out = await withFile(keys, (file) => wrangler(["kv", "bulk", "get", file, ...where(target)]));
  const values = JSON.parse(out) as Record<string, { value: string | null }>;
  return new Map(
    Object.entries(values).flatMap(([key, { value }]) => (value === null ? [] : [[key, value] as [string, string]])),
  );
}

function where(target: Target): string[] {
  return ["--binding", "CONFIG", ...(target === "local" ? ["--local", "--persist-to", localState()] : ["--remote"])];
}

async function withFile<T>(content: unknown, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "mcpgw-kv-"));
  const file = join(dir, "data.json");
  try {
    writeFileSync(file, JSON.stringify(content));
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs wrangler on the Node this runs on (the project's Node 22, which wrangler needs): its stdout. */
function wrangler(args: readonly string[]): Promise<string> {
  const bin = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`wrangler ${args.join(" ")} failed:\n${stderr.trim()}`)),
    );
  });
}
