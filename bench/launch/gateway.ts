// Runs the gateway Worker, bundled as `wrangler deploy` would ship it (test/e2e/worker-bundle.ts),
// in its own workerd through Miniflare, and seeds its KV configuration. One instance per
// configuration, so each one's memory can be read apart. It measures nothing.
import { builtWorker, gatewayWorkerConfig } from "../../test/e2e/worker-bundle.js";
import { startWorkerd, type Workerd } from "./workerd.js";

/** The anonymous agent every benchmark request acts as: no API key on the hot path. */
export const BENCH_AGENT = "bench";

/** What the bench agent may do unless a configuration says otherwise: every server and tool. */
const ALLOW_ALL = { allow: { servers: ["*"], tools: { "*": ["*"] } } };

export interface GatewayConfig {
  /** Registration name → upstream URL, or a whole registration (`{ url, … }`). */
  servers: Record<string, string | ({ url: string } & Record<string, unknown>)>;
  /** Settings beyond `anonymousAgent`; defaults otherwise. */
  settings?: Record<string, unknown>;
  /** The bench agent's rules (`agent:bench`); default: every server and tool. */
  agent?: Record<string, unknown>;
  /** Further KV entries by key (`agent:<name>`, `vs:<name>`), written with the others. */
  entries?: Record<string, unknown>;
  /** Open workerd's inspector on this port (for CPU profiles). */
  inspectorPort?: number;
}

export interface Gateway extends Workerd {
  endpoint: URL;
  /** Writes one configuration key (the gateway reads it at its next refresh). */
  putConfig(key: string, value: unknown): Promise<void>;
}

export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  const worker = await builtWorker();
  if (!worker.kvBindings.includes("CONFIG")) throw new Error("wrangler.toml binds no CONFIG namespace");
  const workerd = await startWorkerd(
    [
      {
        config: gatewayWorkerConfig(worker),
      },
    ],
    config.inspectorPort,
  );
  try {
    const kv = await workerd.mf.getKVNamespace("CONFIG");
    const putConfig = (key: string, value: unknown) => kv.put(key, JSON.stringify(value));
    const entries: Array<[string, unknown]> = [
      ...Object.entries(config.servers).map(([name, server]): [string, unknown] => [
        `server:${name}`,
        typeof server === "string" ? { url: server } : server,
      ]),
      ["settings", { ...config.settings, anonymousAgent: BENCH_AGENT }],
      [`agent:${BENCH_AGENT}`, config.agent ?? ALLOW_ALL],
      ...Object.entries(config.entries ?? {}),
    ];
    await Promise.all(entries.map(([key, value]) => putConfig(key, value)));
    return { ...workerd, endpoint: new URL("/mcp", workerd.origin), putConfig };
  } catch (error) {
    await workerd.stop();
    throw error;
  }
}
