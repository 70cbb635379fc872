// `npm run key:create -- --agent <name> …`: makes an API key, prints it once with the
// `wrangler kv key put` commands that store its hash, and with --write-local runs the local
// one. The raw key is never written to a file or passed to another program; see api-keys.ts.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createApiKey, LOCAL_PERSIST_DIR, parseArgs, shellCommand, USAGE, type CreatedKey } from "./api-keys.js";

const root = join(import.meta.dirname, "..");
const wranglerBin = join(root, "node_modules", ".bin", "wrangler");

function usageError(problem: string): never {
  console.error(`key:create: ${problem}\n\n${USAGE}`);
  process.exit(2);
}

/** Runs the local put; only the hash and the record reach wrangler. */
function writeLocal(created: CreatedKey): void {
  const run = spawnSync(wranglerBin, created.localArgs, { cwd: root, encoding: "utf8", stdio: "pipe" });
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : `exit code ${run.status ?? run.signal}`;
    console.error(`key:create: storing the key in local KV failed (${why}):`);
    console.error(`${run.stdout ?? ""}${run.stderr ?? ""}`.trim());
    console.error("Nothing was stored and the key was not shown; fix the problem and run key:create again.");
    process.exit(1);
  }
}

const args = parseArgs(process.argv.slice(2));
if (!args.ok) usageError(args.problem);
if (args.value === "help") {
  console.log(USAGE);
  process.exit(0);
}
const options = args.value;
const created = await createApiKey(options, new Date());
if (!created.ok) usageError(created.problem);
const key = created.value;
if (options.writeLocal) writeLocal(key);

const { record } = key;
console.log(`API key for agent '${record.agent}'${record.label ? ` (${record.label})` : ""}:

    ${key.key}

Store it now: it cannot be shown again. The gateway keeps only its SHA-256 hash.
Clients send it as:  Authorization: Bearer <the key above>
${record.expiresAt ? `It expires at ${record.expiresAt}.` : "It does not expire; delete its KV entry to revoke it."}

SHA-256: ${key.hash}
KV entry: ${key.kvKey} = ${key.json}
${options.writeLocal ? `\nWritten to local KV (${LOCAL_PERSIST_DIR}) for npm run dev.\n` : ""}
Local (npm run dev), from the repository root:
  npx wrangler ${shellCommand(key.localArgs)}

Deployed Worker:
  npx wrangler ${shellCommand(key.remoteArgs)}`);
