// Runs the gateway Worker, bundled as `wrangler deploy` would ship it (test/e2e/worker-bundle.ts),
// in its own workerd through Miniflare, and seeds its KV configuration. One instance per
// configuration, so each one's memory can be read apart. It measures nothing.
import { builtWorker, gatewayWorkerConfig } from "../../test/e2e/worker-bundle.js";
import { startWorkerd, type Workerd } from "./workerd.js";

/** The anonymous agent every benchmark request acts as: no API key on the hot path. */
export const BENCH_AGENT = "bench";

export interface GatewayConfig {
  /** Registration name → upstream URL. */
  servers: Record<string, string>;
  /** Settings beyond `anonymousAgent`; defaults otherwise. */
  settings?: Record<string, unknown>;
  /** Open workerd's inspector on this port (for CPU profiles). */
  inspectorPort?: number;
}

export interface Gateway extends Workerd {
  endpoint: URL;
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
    const entries: Array<[string, unknown]> = [
      ...Object.entries(config.servers).map(([name, url]): [string, unknown] => [`server:${name}`, { url }]),
      ["settings", { ...config.settings, anonymousAgent: BENCH_AGENT }],
      [`agent:${BENCH_AGENT}`, { allow: { servers: ["*"], tools: { "*": ["*"] } } }],
    ];
    await Promise.all(entries.map(([key, value]) => kv.put(key, JSON.stringify(value))));
    return { ...workerd, endpoint: new URL("/mcp", workerd.origin) };
  } catch (error) {
    await workerd.stop();
    throw error;
  }
}
