// One upstream as the Worker reaches it on a session an object owns (a McpSession's or a
// HeldUpstreamSession's): requests go out on that session as its owner last described it,
// and come back as values. When the session cannot answer here (there is none, the
// upstream forgot it, or its answer streams something for the client first), the request
// is handed over to the owner with what it needs to take it from there.
import type { ResolvedServer } from "../config/snapshot.js";
import type { CallPlacement } from "../gateway/placement.js";
import { answered, type HandOver, type Sent, type Upstream } from "../gateway/upstreams.js";
import type { Limiter } from "../upstream/limiter.js";
import type { Attempt, RequestOptions, UpstreamState } from "../upstream/link.js";
import { UpstreamLink } from "../upstream/upstream-link.js";

export interface BorrowOptions {
  /** Keeps the cancellation sent upstream after the client gave up alive (the Worker's waitUntil). */
  background: (work: Promise<unknown>) => void;
  /** The upstream forgot the borrowed session: its description is stale. */
  onForgotten: () => void;
  /** Whose upstream session it is (`session:<id>`, `held:<agent>`), for the scope of its lists. */
  sessionOwner: string;
  /**
   * Whether an answer that streams something else first is handed over (a 2025 client's
   * stream lives in its session object) or read here (nothing can be asked of the client).
   */
  handOverStreams: boolean;
}

export class BorrowedUpstream implements Upstream {
  readonly #link: UpstreamLink;

  constructor(
    readonly server: ResolvedServer,
    state: UpstreamState | undefined,
    limiter: Limiter,
    private readonly options: BorrowOptions,
  ) {
    this.#link = new UpstreamLink(server, { state, save: () => undefined }, limiter, {
      background: options.background,
    });
  }

  get listScope(): string {
    return this.#link.known?.era === "modern" ? "shared" : this.options.sessionOwner;
  }

  async facts() {
    const known = this.#link.known;
    // An HTTP+SSE upstream's answers come on the owner's event stream: only the owner can send.
    return { era: known?.era, borrowable: known !== undefined && known.transport !== "sse" };
  }

  async describe() {
    return this.#link.known;
  }

  async fetch(method: string, params: Record<string, unknown> | undefined): Promise<Sent> {
    return this.#settle(await this.#link.attempt(method, params));
  }

  async send(
    placement: CallPlacement,
    method: string,
    params: Record<string, unknown>,
    options: RequestOptions,
  ): Promise<Sent> {
    if (placement.run === "owner") return { kind: "handed-over", handOver: { counted: false } };
    const handOver = placement.run === "borrowed" && this.options.handOverStreams;
    return this.#settle(await this.#link.attempt(method, params, options, handOver));
  }

  #settle(attempt: Attempt): Sent {
    if (attempt.kind === "answered") return answered(attempt.response);
    if (attempt.kind === "streaming") {
      this.options.background(attempt.stream.drained);
      return { kind: "handed-over", handOver: { counted: false, stream: attempt.stream } };
    }
    const handOver: HandOver = { counted: false };
    if (attempt.forgotten !== undefined) {
      this.options.onForgotten();
      handOver.forgotten = { server: this.server.name, sessionId: attempt.forgotten };
    }
    return { kind: "handed-over", handOver };
  }
}
