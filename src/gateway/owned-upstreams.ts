// The upstreams of an object that owns their sessions (a McpSession for its client, a
// HeldUpstreamSession for its agent): every request is sent here, on links over the
// object's own slots, which initialize and re-initialize as needed. Nothing is handed over.
import type { ResolvedServer } from "../config/snapshot.js";
import type { Limiter } from "../upstream/limiter.js";
import type { RequestOptions, SessionSlot } from "../upstream/link.js";
import type { CallPlacement } from "./placement.js";
import { UpstreamLink, type LinkOptions } from "../upstream/upstream-link.js";
import { answered, type Upstream } from "./upstreams.js";

export class OwnedUpstream implements Upstream {
  readonly link: UpstreamLink;

  constructor(
    readonly server: ResolvedServer,
    slot: SessionSlot,
    limiter: Limiter,
    options: LinkOptions,
    /** Whose upstream sessions these are (`session:<id>`), for the scope of their lists. */
    private readonly sessionOwner: string,
  ) {
    this.link = new UpstreamLink(server, slot, limiter, options);
  }

  get listScope(): string {
    return this.link.known?.era === "modern" ? "shared" : this.sessionOwner;
  }

  async facts() {
    return { era: (await this.link.open()).era, borrowable: false };
  }

  describe() {
    return this.link.open();
  }

  async fetch(method: string, params: Record<string, unknown> | undefined) {
    return answered(await this.link.request(method, params));
  }

  async send(_placement: CallPlacement, method: string, params: Record<string, unknown>, options: RequestOptions) {
    return answered(await this.link.request(method, params, options));
  }
}
