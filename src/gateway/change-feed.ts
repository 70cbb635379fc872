// Turns upstream notifications into what one client should hear: a list change only
// when the list this principal sees actually changed (compared with what it saw before),
// a resource update only for a resource it may read, log messages at its level.
// Used by legacy sessions' GET streams and current-era `subscriptions/listen` alike.
import type { JsonRpcNotification } from "../mcp/jsonrpc.js";
import { asRecord } from "../mcp/jsonrpc.js";
import { fnv1a } from "../observe/hash.js";
import { LISTS, listsChangedBy } from "../mcp/methods.js";
import { clearCatalog, type ListKind } from "./catalog.js";
import type { CallContext } from "./context.js";
import { collectFor, visibleNamedOf } from "./targets.js";
import { exposedToolList } from "./exposed-tools.js";
import { uriView } from "./views.js";
import { visibleUris } from "./visible-views.js";
import { wantsLog } from "./client-channel.js";
import { log } from "../observe/log.js";

export interface FeedWants {
  tools: boolean;
  prompts: boolean;
  resources: boolean;
  /** URIs the client subscribed to; undefined: every readable resource's updates. */
  resourceUris?: ReadonlySet<string>;
}

export const WANTS_EVERYTHING: FeedWants = { tools: true, prompts: true, resources: true };

export class ChangeFeed {
  readonly #seen = new Map<ListKind, string>();
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private ctx: CallContext,
    private readonly send: (notification: JsonRpcNotification) => void,
    private readonly wants: FeedWants = WANTS_EVERYTHING,
  ) {}

  /** Notes what the client sees now, so later changes compare against it. */
  async baseline(): Promise<void> {
    await Promise.all(this.#kinds().map(async (kind) => this.#seen.set(kind, await this.#visible(kind))));
  }

  /**
   * The configuration changed: from now on the feed judges with this context (its policy,
   * its upstreams), and announces each list whose view changed for the client.
   */
  rebase(ctx: CallContext): Promise<void> {
    this.#queue = this.#queue
      .then(async () => {
        this.ctx = ctx;
        await this.#announce(this.#kinds());
      })
      .catch((error) => log("warn", "notifications.relay_failed", { method: "config", reason: String(error) }));
    return this.#queue;
  }

  /** One upstream notification; handled in order, one at a time. */
  receive(server: string, notification: JsonRpcNotification): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#handle(server, notification))
      .catch((error) => {
        log("warn", "notifications.relay_failed", { server, method: notification.method, reason: String(error) });
      });
    return this.#queue;
  }

  async #handle(server: string, notification: JsonRpcNotification): Promise<void> {
    const kinds = listsChangedBy(notification.method);
    if (kinds.length > 0) {
      for (const kind of kinds) clearCatalog(server, kind);
      await this.#announce(kinds.filter((k) => this.#kinds().includes(k)));
      return;
    }
    if (notification.method === "notifications/resources/updated") {
      const uri = asRecord(notification.params)["uri"];
      if (typeof uri !== "string" || !this.wants.resources) return;
      if (this.wants.resourceUris && !this.wants.resourceUris.has(uri)) return;
      if (!this.ctx.policy.decide("resources", server, uri).allowed) return;
      this.send(notification);
      return;
    }
    if (notification.method === "notifications/message") {
      if (wantsLog(this.ctx.client, asRecord(notification.params)["level"])) this.send(notification);
    }
  }

  /** Sends each list's change notification once, for the kinds whose visible list differs from the last seen. */
  async #announce(kinds: readonly ListKind[]): Promise<void> {
    const announced = new Set<string>();
    for (const kind of kinds) {
      const now = await this.#visible(kind);
      const before = this.#seen.get(kind);
      this.#seen.set(kind, now);
      const changed = LISTS[kind].changed;
      if (before === now || announced.has(changed)) continue;
      announced.add(changed);
      this.send({ jsonrpc: "2.0", method: changed });
    }
  }

  #kinds(): ListKind[] {
    const kinds: ListKind[] = [];
    if (this.wants.tools) kinds.push("tools");
    if (this.wants.prompts) kinds.push("prompts");
    if (this.wants.resources) kinds.push("resources", "resourceTemplates");
    return kinds;
  }

  /** A digest of the list this principal sees, descriptions and schemas included. */
  async #visible(kind: ListKind): Promise<string> {
    const collected = await collectFor(kind, this.ctx);
    const items =
      kind === "tools"
        ? exposedToolList(collected.lists, this.ctx).items
        : kind === "prompts"
          ? visibleNamedOf(kind, collected.lists, this.ctx).items
          : visibleUris(kind, uriView(kind, collected.lists), this.ctx.policy).items;
    return fnv1a(JSON.stringify(items));
  }
}
