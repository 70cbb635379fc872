// What every request is answered with, built in one place for every entry path (the
// Worker for either era, a session object, a held-session object, a listening stream):
// the configuration in force, who is asking and what they may see, where this runs, what
// the client declared, how the upstreams are reached, and where outcomes are reported.
import type { ConfigSnapshot, ResolvedServer } from "../config/snapshot.js";
import type { Caller, Identity } from "../auth/principal.js";
import type { JsonRpcNotification } from "../mcp/jsonrpc.js";
import { listsChangedBy } from "../mcp/methods.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import type { Observer } from "../observe/observer.js";
import { Tracer, type Span } from "../observe/tracing/tracer.js";
import type { PinStore } from "../observe/tool-pins.js";
import type { RateGate } from "../ratelimit/rate-limits.js";
import { Limiter } from "../upstream/limiter.js";
import { policyFor } from "./access.js";
import { clearCatalog } from "./catalog.js";
import type { ClientFacts } from "./client-channel.js";
import type { Location } from "./placement.js";
import type { Policy } from "./policy.js";
import type { StateSeal } from "./state-seal.js";
import type { Upstream } from "./upstreams.js";

/** What a client session keeps between requests; nothing where there is no session. */
export interface SessionHooks {
  /** The client set its log level (logging/setLevel). */
  setLogLevel(level: string): void;
  /** An upstream notification that is not about the request in flight (list_changed, resources/updated). */
  upstreamNotification(server: string, notification: JsonRpcNotification): void;
  /** A relayed task-augmented call created a task: which tool it runs (2025 sessions only). */
  rememberTask?(server: string, taskId: string, tool: string): Promise<void>;
  /** The tool a task this session saw created runs; undefined for any other. */
  taskTool?(server: string, taskId: string): string | undefined;
}

export interface CallContext {
  snapshot: ConfigSnapshot;
  identity: Identity;
  /** For audit lines: the HTTP request this JSON-RPC request came in, and the key used. */
  caller: Caller;
  policy: Policy;
  /** Where this invocation runs: the first fact of every placement. */
  at: Location;
  client: ClientFacts;
  /** Every enabled, valid upstream the principal may see something of, in name order. */
  upstreams: readonly Upstream[];
  /** Where outcomes and call metrics are reported (for /status and Analytics Engine). */
  observer: Observer;
  /** Counts requests against the agent's rate limits. */
  rateGate: RateGate;
  /** Where tool definitions are pinned (settings.toolPinning). */
  pins: PinStore;
  /** Seals the requestState the gateway itself hands a 2026-07-28 client (a confirmation). */
  seal: StateSeal;
  /** Keeps work that outlives the request going (the invocation's waitUntil). */
  background: (work: Promise<unknown>) => void;
  session: SessionHooks;
  /** Makes this invocation's spans; absent unless settings.tracing is set (call-spans.ts). */
  tracer?: Tracer;
  /**
   * The SERVER span of the one request this context answers: set on a per-request copy of
   * the context (router.ts's callFor), only when traces are sent.
   */
  span?: Span;
}

export interface ContextInput extends Omit<CallContext, "policy" | "upstreams" | "session" | "tracer" | "span"> {
  session?: SessionHooks;
  /**
   * How this invocation reaches each visible upstream. Every fetch of the invocation goes
   * through `limiter`, the one it was given (the platform allows six connections per
   * invocation).
   */
  reach: (server: ResolvedServer, limiter: Limiter) => Upstream;
}

/** Without a session: list changes seen during a call only make the cached lists stale. */
export const NO_SESSION: SessionHooks = {
  setLogLevel: () => undefined,
  upstreamNotification: (server, notification) => {
    for (const kind of listsChangedBy(notification.method)) clearCatalog(server, kind);
  },
};

export function buildContext(input: ContextInput): CallContext {
  const { reach, session, ...facts } = input;
  const policy = policyFor(input.snapshot, input.identity);
  const limiter = new Limiter();
  // Upstreams the principal can see nothing of are never contacted.
  const upstreams = [...input.snapshot.servers.values()]
    .filter((server) => policy.decideServer(server.name).allowed)
    .map((server) => reach(server, limiter));
  const tracing = input.snapshot.tracing;
  const tracer = tracing ? { tracer: new Tracer(tracing, GATEWAY_INFO, input.background) } : {};
  return { ...facts, policy, upstreams, session: session ?? NO_SESSION, ...tracer };
}

/** The same invocation as a narrower identity (a sub-agent): its policy, and only the upstreams it may see. */
export function narrowedContext(ctx: CallContext, identity: Identity): CallContext {
  if (identity === ctx.identity) return ctx;
  const policy = policyFor(ctx.snapshot, identity);
  const upstreams = ctx.upstreams.filter((upstream) => policy.decideServer(upstream.server.name).allowed);
  return { ...ctx, identity, policy, upstreams };
}
