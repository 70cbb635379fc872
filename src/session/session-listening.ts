// A client session object hearing its upstreams outside any call: while its client keeps
// the GET stream open, and while the session is in use by a client that could be asked
// something (an upstream may ask on its session's standalone stream at any time, and a
// question nobody hears would hold its call until the upstream gives up). It listens to
// up to MAX_LISTENED upstreams: notifications go to the GET stream's feed (or only make
// cached lists stale); questions reach the client on its GET stream when it declared the
// capability and is there to answer, and are refused at once otherwise.
import { ChangeFeed } from "../gateway/change-feed.js";
import { NO_SESSION, type CallContext } from "../gateway/context.js";
import { OwnedUpstream } from "../gateway/owned-upstreams.js";
import { clientTaskStatus, TASK_STATUS } from "../gateway/tasks/task-ids.js";
import { questionErrors } from "../mcp/questions.js";
import type { JsonRpcNotification } from "../mcp/jsonrpc.js";
import { refusedQuestion, type ClientAnswer } from "../mcp/questions.js";
import { log } from "../observe/log.js";
import { MAX_UPSTREAM_FETCHES } from "../upstream/limiter.js";
import { UpstreamListener } from "../upstream/listener.js";
import type { ClientQuestions } from "./client-questions.js";
import type { RecordedStream } from "./recorded-stream.js";
import { UseLease } from "./use-lease.js";

/**
 * Upstreams listened to at most: each open stream holds one of the invocation's six
 * connections, and one is left for fetching the lists their changes make stale.
 */
const MAX_LISTENED = MAX_UPSTREAM_FETCHES - 1;
/** A session in use keeps listening this long after its last request. */
export const LISTEN_LEASE_MS = 30_000;

export class SessionListening {
  #listeners: UpstreamListener[] = [];
  #starting: Promise<void> | undefined;
  #ctx: CallContext | undefined;
  /** The GET stream, while its client reads it, the feed that filters what it hears, and its config watch. */
  #heard: { stream: RecordedStream; feed: ChangeFeed; unwatch: () => void } | undefined;
  readonly #lease = new UseLease(() => this.#expire());

  constructor(
    private readonly contextOf: () => Promise<CallContext>,
    private readonly questions: ClientQuestions,
    private readonly background: (work: Promise<unknown>) => void,
    /** Calls back on each new configuration revision until undone (config/store.ts's watch). */
    private readonly watchConfig: (onChange: () => void) => () => void,
  ) {}

  /** Where a notification heard during a call goes: the GET stream's feed, if one is open. */
  get feed(): ChangeFeed | undefined {
    return this.#heard?.feed;
  }

  /** The client's GET stream is (again) open: it hears what changes for it, and is asked. */
  async hear(stream: RecordedStream): Promise<void> {
    await this.#start();
    const ctx = this.#ctx!;
    const feed = new ChangeFeed(ctx, (notification) => stream.send(notification));
    this.#heard?.unwatch();
    // A configuration change that alters what this client may see is announced like a list change.
    const unwatch = this.watchConfig(() => this.background(this.#rebase(feed)));
    this.#heard = { stream, feed, unwatch };
    this.background(feed.baseline().catch(() => undefined));
  }

  async #rebase(feed: ChangeFeed): Promise<void> {
    if (this.#heard?.feed !== feed) return;
    const ctx = await this.contextOf();
    this.#ctx = ctx;
    await feed.rebase(ctx);
  }

  /** The GET stream's client went away: listening goes on only while the lease lasts. */
  unhear(stream: RecordedStream): void {
    if (this.#heard?.stream !== stream) return;
    this.#heard.unwatch();
    this.#heard = undefined;
    this.#expire();
  }

  /** The session is in use: listen for at least `ms` more. */
  keepFor(ms: number): void {
    this.#lease.extend(ms);
    this.background(this.#start().catch(() => undefined));
  }

  /** Whether the upstreams are heard for this GET stream. */
  hears(stream: RecordedStream): boolean {
    return this.#heard?.stream === stream && this.#listeners.length > 0;
  }

  stop(): void {
    this.#lease.cancel();
    for (const listener of this.#listeners) listener.stop();
    this.#listeners = [];
    this.#heard?.unwatch();
    this.#heard = undefined;
    this.#ctx = undefined;
  }

  #expire(): void {
    if (this.#heard || this.#lease.active) return;
    this.stop();
  }

  #start(): Promise<void> {
    if (this.#listeners.length > 0 && !this.#listeners.some((listener) => listener.gaveUp)) return Promise.resolve();
    // One gave up (its upstream was down for a while): listen afresh now that the session is used again.
    for (const listener of this.#listeners) listener.stop();
    this.#listeners = [];
    this.#starting ??= this.#listen().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #listen(): Promise<void> {
    const ctx = await this.contextOf();
    this.#ctx = ctx;
    const owned = ctx.upstreams.filter((u): u is OwnedUpstream => u instanceof OwnedUpstream);
    const listened = owned.slice(0, MAX_LISTENED);
    if (owned.length > listened.length)
      log("warn", "session.listen_capped", { listening: listened.length, upstreams: owned.length });
    this.#listeners = listened.map(({ link }) => {
      const server = link.server.name;
      return new UpstreamListener(link, {
        notification: (notification) => this.#notified(ctx, server, notification),
        question: (method, params) => this.#asked(ctx, server, method, params),
      });
    });
    for (const listener of this.#listeners) this.background(listener.start());
  }

  #notified(ctx: CallContext, server: string, notification: JsonRpcNotification): void {
    if (notification.method === TASK_STATUS) {
      // A task's status goes to the GET stream (under the client's id for the task), if one is open.
      const stream = this.#heard?.stream;
      if (!stream) return;
      const relayed = clientTaskStatus(ctx, server, notification).then((n) => n && stream.send(n));
      this.background(relayed.catch(() => undefined));
      return;
    }
    const feed = this.#heard?.feed;
    if (feed) void feed.receive(server, notification);
    else NO_SESSION.upstreamNotification(server, notification);
  }

  /** An upstream's question outside any call: to the client on its GET stream, or refused now. */
  async #asked(
    ctx: CallContext,
    server: string,
    method: string,
    params: Record<string, unknown>,
  ): Promise<ClientAnswer> {
    const refused = refusedQuestion(method, ctx.client.capabilities);
    if (refused) return refused;
    const stream = this.#heard?.stream;
    if (!stream?.connected) return { error: questionErrors.noStream(method) };
    return this.questions.ask({ send: (message) => (stream.send(message), true) }, method, params, server);
  }
}
