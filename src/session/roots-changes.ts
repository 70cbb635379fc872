// A 2025 client's `notifications/roots/list_changed`, forwarded to the upstreams that asked
// it for its roots during the session (on a call's stream or the GET stream): they are the
// ones that keep a copy. Which upstreams asked is kept in the session object's storage, so
// an evicted object still knows. Best effort, like any notification: a failure is logged.
import { OwnedUpstream } from "../gateway/owned-upstreams.js";
import type { CallContext } from "../gateway/context.js";
import { log } from "../observe/log.js";

const ASKERS_KEY = "roots-askers";
export const ROOTS_CHANGED = "notifications/roots/list_changed";

export class RootsChanges {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** Notes an upstream that asked the client for its roots. */
  asked(method: string, server: string): void {
    if (method !== "roots/list") return;
    const askers = this.storage.kv.get<string[]>(ASKERS_KEY) ?? [];
    if (!askers.includes(server)) this.storage.kv.put(ASKERS_KEY, [...askers, server]);
  }

  /** Tells each upstream that asked, on its session with this client, that the roots changed. */
  async forward(ctx: CallContext): Promise<void> {
    const askers = this.storage.kv.get<string[]>(ASKERS_KEY) ?? [];
    const told = ctx.upstreams.filter(
      (u): u is OwnedUpstream =>
        u instanceof OwnedUpstream && askers.includes(u.server.name) && u.link.known !== undefined,
    );
    await Promise.all(
      told.map((upstream) =>
        upstream.link.notify(ROOTS_CHANGED).catch((error: unknown) => {
          log("warn", "roots.forward_failed", { server: upstream.server.name, reason: String(error) });
        }),
      ),
    );
  }
}
