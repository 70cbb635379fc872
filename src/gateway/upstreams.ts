// How one invocation reaches the upstreams its principal may see. The call pipeline talks
// to this port only; each place a request can run implements it: the objects that own
// upstream sessions (owned-upstreams.ts), and the Worker, which borrows those sessions
// (session/worker-*.ts). Outcomes are values: an answer, or the request handed over to
// the owner of the upstream session, with what the owner needs to take it from there.
import type { ResolvedServer } from "../config/snapshot.js";
import type { JsonRpcResponse } from "../mcp/jsonrpc.js";
import type { SubjectKind } from "../mcp/methods.js";
import type { RequestOptions, UpstreamState, UpstreamStream } from "../upstream/link.js";
import type { CallPlacement, UpstreamFacts } from "./placement.js";

/** What a call is about, for the audit line of whoever finishes it. */
export interface CallSubject {
  kind: SubjectKind;
  name?: string;
  uri?: string;
  /** Made through the execute_tool meta-tool, which names the tool by server and name. */
  via?: { tool: "execute_tool"; server: string; name: string };
}

/**
 * A request the Worker passes to the object that owns the upstream sessions, which
 * answers it: either from the start (nothing reached the upstream), or by reading the
 * rest of an answer already under way (`stream`).
 */
export interface HandOver {
  /** The Worker counted the request against the rate limits. */
  counted: boolean;
  /** The upstream session the upstream forgot: the owner re-opens it rather than trying it again. */
  forgotten?: { server: string; sessionId: string };
  /** An answer under way that brought something for the client first, with what was sent. */
  stream?: UpstreamStream;
  subject?: CallSubject;
  sent?: Record<string, unknown>;
  /** The `traceparent` of the span that handed it over, continued by the owner (call-spans.ts). */
  traceparent?: string;
}

export type Sent = { kind: "answered"; response: JsonRpcResponse } | { kind: "handed-over"; handOver: HandOver };

/** One upstream as this invocation reaches it. */
export interface Upstream {
  readonly server: ResolvedServer;
  /**
   * Who the lists it gives here may be shared with: "shared" for a current-era upstream
   * (stateless), else the owner of the upstream session they are listed on
   * (`session:<client session>`, `held:<agent>`): a legacy upstream may list differently
   * per session.
   */
  readonly listScope: string;
  facts(): Promise<UpstreamFacts>;
  /** Its era and capabilities, learned here if this invocation may; undefined when only its owner can. */
  describe(): Promise<UpstreamState | undefined>;
  /** A request that needs nothing of the client (a page of a list, a log level). */
  fetch(method: string, params: Record<string, unknown> | undefined): Promise<Sent>;
  /** A client's request, sent where placement put it, with the client kept in the loop by `options`. */
  send(
    placement: CallPlacement,
    method: string,
    params: Record<string, unknown>,
    options: RequestOptions,
  ): Promise<Sent>;
}

export function answered(response: JsonRpcResponse): Sent {
  return { kind: "answered", response };
}
