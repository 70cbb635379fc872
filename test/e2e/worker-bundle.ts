// Builds the gateway Worker once per test process, as `wrangler deploy` would ship it
// (`wrangler deploy --dry-run --outdir`), and reads from wrangler.toml, through wrangler
// itself, the compatibility settings and bindings to run it with. Running it is
// harness.ts's job.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER_CONFIG = join(REPO_ROOT, "wrangler.toml");

/** Build steps still running, killed if the test process exits under them. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** What `wrangler deploy` would upload, and the bindings wrangler.toml declares. */
export interface BuiltWorker {
  name: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  script: string;
  sourceMap: string;
  kvBindings: string[];
  durableObjects: Array<{ binding: string; className: string; sqlite: boolean }>;
}

let built: Promise<BuiltWorker> | undefined;

/** Bundles once per test file's worker process; later gateways reuse the bundle. */
export function builtWorker(): Promise<BuiltWorker> {
  built ??= buildWorker();
  return built;
}

async function buildWorker(): Promise<BuiltWorker> {
  const outdir = await mkdtemp(join(tmpdir(), "mcp-gateway-e2e-"));
  try {
    const [config] = await Promise.all([
      readWranglerConfig(),
      runNode([wranglerBin(), "deploy", "--dry-run", "--outdir", outdir]),
    ]);
    const [script, sourceMap] = await Promise.all([
      readFile(join(outdir, "index.js"), "utf8"),
      readFile(join(outdir, "index.js.map"), "utf8"),
    ]);
    return { ...config, script, sourceMap };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function wranglerBin(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("wrangler/package.json");
  const { bin } = require("wrangler/package.json") as { bin: Record<string, string> };
  return join(dirname(manifest), bin["wrangler"]!);
}

type WorkerConfig = Omit<BuiltWorker, "script" | "sourceMap">;

/**
 * wrangler.toml as wrangler itself reads it, so the harness binds what deploy would.
 * Read in a child process: wrangler's module is large, and the tests' process need not load it.
 */
async function readWranglerConfig(): Promise<WorkerConfig> {
  const program = `
    import { unstable_readConfig, unstable_getDurableObjectClassNameToUseSQLiteMap } from "wrangler";
    const config = unstable_readConfig({ config: ${JSON.stringify(WRANGLER_CONFIG)} });
    const sqlite = unstable_getDurableObjectClassNameToUseSQLiteMap(config.migrations);
    const isSet = (v) => Array.isArray(v) ? v.length > 0 : typeof v === "object" && v !== null ? Object.values(v).some(isSet) : v !== undefined;
    const fields = ["vars", "r2_buckets", "d1_databases", "services", "queues", "analytics_engine_datasets", "workflows", "hyperdrive", "vectorize", "ai", "browser", "assets"];
    console.log(JSON.stringify({
      name: config.name ?? "worker",
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      kvBindings: config.kv_namespaces.map((kv) => kv.binding),
      durableObjects: config.durable_objects.bindings.map((d) => ({
        binding: d.name, className: d.class_name, sqlite: sqlite.get(d.class_name) === true, external: Boolean(d.script_name),
      })),
      unsupported: fields.filter((f) => isSet(config[f])),
    }));
  `;
  const output = await runNode(["--input-type=module", "--eval", program]);
  const read = JSON.parse(output.trim().split("\n").pop()!) as Omit<WorkerConfig, "durableObjects"> & {
    durableObjects: Array<WorkerConfig["durableObjects"][number] & { external: boolean }>;
    unsupported: string[];
  };
  if (read.unsupported.length > 0)
    throw new Error(`wrangler.toml declares ${read.unsupported.join(", ")}: teach test/e2e/harness.ts to bind them`);
  if (read.durableObjects.some((d) => d.external))
    throw new Error("wrangler.toml binds a Durable Object of another Worker: teach test/e2e/harness.ts to run it");
  if (!read.compatibilityDate) throw new Error("wrangler.toml sets no compatibility_date");
  return {
    name: read.name,
    compatibilityDate: read.compatibilityDate,
    compatibilityFlags: read.compatibilityFlags,
    kvBindings: read.kvBindings,
    durableObjects: read.durableObjects.map(({ binding, className, sqlite }) => ({ binding, className, sqlite })),
  };
}

/** Runs Node (the tests' own binary) in the repository; resolves with its stdout. */
async function runNode(args: string[]): Promise<string> {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      running.delete(child);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `node ${args.slice(0, 3).join(" ")} failed (${signal ?? code}):\n${stdout.slice(-4000)}\n${stderr}`,
          ),
        );
    });
  });
}

/** The gateway as a Miniflare worker: its modules, compatibility settings, KV and Durable Object bindings. */
export function gatewayWorkerConfig(worker: BuiltWorker) {
  return {
    name: worker.name,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    manifest: {
      mainModule: "index.js",
      modules: {
        "index.js": { type: "esm" as const, contents: worker.script },
        "index.js.map": { type: "sourcemap" as const, contents: worker.sourceMap },
      },
    },
    env: {
      ...Object.fromEntries(worker.kvBindings.map((binding) => [binding, { type: "kv" as const, id: binding }])),
      ...Object.fromEntries(
        worker.durableObjects.map((d) => [
          d.binding,
          { type: "durable-object" as const, worker: worker.name, exportName: d.className },
        ]),
      ),
    },
    exports: Object.fromEntries(
      worker.durableObjects.map((d) => [
        d.className,
        { type: "durable-object" as const, storage: d.sqlite ? ("sqlite" as const) : ("legacy-kv" as const) },
      ]),
    ),
  };
}
