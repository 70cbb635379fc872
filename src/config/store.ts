// Keeps one configuration snapshot per isolate warm, so requests never wait on KV
// except the first, or one that finds the snapshot older than twice the refresh
// interval. Between one and two intervals it answers with the current snapshot and
// refreshes in the background. Problems are logged once per revision. Open client streams
// that must hear of a configuration change watch it (`watch`).
import { loadSnapshot, type ConfigSnapshot, type LastGood } from "./snapshot.js";
import { log } from "../observe/log.js";

export class ConfigStore {
  #snapshot: ConfigSnapshot | undefined;
  #loading: Promise<ConfigSnapshot> | undefined;
  #checkedAt = 0;
  readonly #lastGood: LastGood = new Map();

  constructor(
    private readonly kv: KVNamespace,
    private readonly env: Record<string, unknown>,
  ) {}

  async current(waitUntil?: (promise: Promise<unknown>) => void): Promise<ConfigSnapshot> {
    const snapshot = this.#snapshot;
    if (!snapshot) return this.reload();
    const age = Date.now() - this.#checkedAt;
    const interval = snapshot.settings.configRefreshSeconds * 1000;
    if (age < interval) return snapshot;
    if (age >= 2 * interval) return this.reload();
    const refresh = this.reload().catch(() => undefined);
    waitUntil?.(refresh);
    return snapshot;
  }

  /** Reads KV now (one read at a time per isolate); on failure keeps the last snapshot. */
  reload(): Promise<ConfigSnapshot> {
    this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /**
   * Calls `onChange` with every new revision until undone. Each watcher keeps its own timer,
   * made where it watches, so its callback runs there (a Durable Object may do I/O only in
   * its own context); the snapshot they read is the isolate's one, and KV is read at most
   * once per refresh interval however many watch.
   */
  watch(onChange: (snapshot: ConfigSnapshot) => void): () => void {
    let seen = this.#snapshot?.revision;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async () => {
      // A reload under way elsewhere is not awaited from here: its result shows at the next tick.
      const snapshot = this.#loading ? this.#snapshot : await this.current().catch(() => this.#snapshot);
      if (stopped || !snapshot) return;
      if (seen !== undefined && snapshot.revision !== seen) onChange(snapshot);
      seen = snapshot.revision;
    };
    const schedule = () => {
      const interval = (this.#snapshot?.settings.configRefreshSeconds ?? 5) * 1000;
      timer = setTimeout(() => void tick().finally(() => !stopped && schedule()), interval);
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  async #load(): Promise<ConfigSnapshot> {
    try {
      const next = await loadSnapshot(this.kv, this.env, this.#lastGood);
      this.#checkedAt = Date.now();
      if (next.revision !== this.#snapshot?.revision) reportLoaded(next);
      this.#snapshot = next;
      return next;
    } catch (error) {
      log("error", "config.load_failed", { reason: String(error) });
      if (this.#snapshot) return this.#snapshot;
      throw error;
    }
  }
}

function reportLoaded(snapshot: ConfigSnapshot): void {
  log("info", "config.loaded", { revision: snapshot.revision, servers: [...snapshot.servers.keys()] });
  for (const problem of snapshot.problems)
    log("warn", "config.invalid_entry", { revision: snapshot.revision, ...problem });
  for (const warning of snapshot.warnings) log("warn", "config.warning", { revision: snapshot.revision, warning });
}

let shared: ConfigStore | undefined;

/** The isolate's store. Worker and Durable Object code in one isolate share it. */
export function configStore(env: Env): ConfigStore {
  shared ??= new ConfigStore(env.CONFIG, env as unknown as Record<string, unknown>);
  return shared;
}
