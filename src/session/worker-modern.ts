// How the Worker answers a 2026-07-28 (stateless) request: the call pipeline's context
// for it, reaching each upstream directly or through the agent's held sessions
// (stateless-upstream.ts). The answer's shape on the wire is the edge's business.
import type { Caller, Identity } from "../auth/principal.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { ClientFacts } from "../gateway/client-channel.js";
import { buildContext, type CallContext } from "../gateway/context.js";
import { observerFor } from "../observe/observer.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";
import { StatelessUpstream } from "./stateless-upstream.js";
import { pinStoreFor } from "../observe/tool-pins.js";
import { stateSealFor } from "./state-seal.js";

export interface StatelessRequest {
  env: Env;
  snapshot: ConfigSnapshot;
  identity: Identity;
  caller: Caller;
  /** What the request's envelope declares. */
  client: ClientFacts;
  /** The invocation's waitUntil. */
  background: (work: Promise<unknown>) => void;
}

export function statelessContext(request: StatelessRequest): CallContext {
  const { env, identity, background } = request;
  const reach = { held: env.HELD_UPSTREAM, agent: identity.agent, owner: ownerOf(identity), background };
  return buildContext({
    snapshot: request.snapshot,
    identity,
    caller: request.caller,
    at: "worker",
    client: request.client,
    observer: observerFor(env, background),
    rateGate: rateGateFor(env.RATE_LIMITER),
    pins: pinStoreFor(env),
    seal: stateSealFor(env),
    background,
    reach: (server, limiter) => new StatelessUpstream(server, limiter, reach),
  });
}

/** Who may resume a suspended call: exactly the identity that made it. */
function ownerOf(identity: Identity): string {
  return JSON.stringify([identity.agent, identity.delegate ?? null, identity.virtualServer ?? null]);
}
