// Which rate-limit buckets a request fills, from the agents' `rateLimits` in KV: the
// agent's (and its sub-agent's) request limit for every JSON-RPC request (initialize
// included), and the
// matching per-tool limits for a tools/call, each tool counted on its own. Enforcing
// them is the RateLimitCounter object's job, reached through a RateGate.
import picomatch from "picomatch";
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { RateLimit } from "../config/schemas.js";
import type { Identity } from "../auth/principal.js";
import { errors } from "../mcp/errors.js";
import { log } from "../observe/log.js";
import type { Bucket } from "./gcra.js";
import type { RateLimitCounter, TakeResult } from "./rate-limit-counter.js";

/** Counts a request against buckets; throws RATE_LIMITED when one is full. */
export type RateGate = (buckets: Bucket[]) => Promise<void>;

/**
 * Every agent whose limits apply: the sub-agent the key's agent narrowed to, then the
 * key's agent. The narrower one is asked first, so its refusal costs the other nothing.
 */
function limitedAgents(snapshot: ConfigSnapshot, identity: Identity) {
  const names = identity.delegate === undefined ? [identity.agent] : [identity.delegate, identity.agent];
  return names.flatMap((name) => {
    const limits = snapshot.agents.get(name)?.rateLimits;
    return limits ? [{ name, limits }] : [];
  });
}

export function requestBuckets(snapshot: ConfigSnapshot, identity: Identity): Bucket[] {
  return limitedAgents(snapshot, identity).flatMap(({ name, limits }) =>
    limits.requests ? [bucket(`${name}|requests`, limits.requests, `agent '${name}'`, name)] : [],
  );
}

export function toolBuckets(snapshot: ConfigSnapshot, identity: Identity, server: string, tool: string): Bucket[] {
  return limitedAgents(snapshot, identity).flatMap(({ name, limits }) =>
    Object.entries(limits.tools ?? {})
      .filter(([pattern]) => matchesTool(pattern, server, tool))
      .map(([pattern, limit]) =>
        bucket(
          `${name}|tool|${pattern}|${server}/${tool}`,
          limit,
          `tool '${server}/${tool}' of agent '${name}'`,
          name,
          {
            tool: `${server}/${tool}`,
          },
        ),
      ),
  );
}

function bucket(key: string, limit: RateLimit, what: string, agent: string, tool?: { tool: string }): Bucket {
  return {
    key: `${key}|${limit.limit}/${limit.windowSeconds}`,
    limit: limit.limit,
    windowMs: limit.windowSeconds * 1000,
    what,
    agent,
    scope: tool ? "tool" : "agent",
    ...tool,
  };
}

const matchers = new Map<string, (value: string) => boolean>();

/** `<server glob>/<tool glob>`: the first '/' separates them (server names have none). */
function matchesTool(pattern: string, server: string, tool: string): boolean {
  const slash = pattern.indexOf("/");
  return glob(pattern.slice(0, slash))(server) && glob(pattern.slice(slash + 1))(tool);
}

function glob(pattern: string): (value: string) => boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) matchers.set(pattern, (matcher = picomatch(pattern, { dot: true })));
  return matcher;
}

/**
 * The gate over the agents' counter objects: each bucket is counted by the object of the
 * agent it belongs to, so a sub-agent's own limit is shared by every key that acts as it.
 * With limits on both an agent and its sub-agent, the sub-agent's object counts first; a
 * request the agent's limit then refuses has still used one of the sub-agent's.
 */
export function rateGateFor(namespace: DurableObjectNamespace<RateLimitCounter>): RateGate {
  return async (buckets) => {
    const byAgent = new Map<string, Bucket[]>();
    for (const bucket of buckets) byAgent.set(bucket.agent, [...(byAgent.get(bucket.agent) ?? []), bucket]);
    for (const [agent, own] of byAgent) {
      const result = await take(namespace, agent, own);
      if (result.allowed) continue;
      const { bucket, retryAfterMs } = result;
      const scope =
        bucket.scope === "tool"
          ? { scope: "tool" as const, agent: bucket.agent, tool: bucket.tool ?? "" }
          : { scope: "agent" as const, agent: bucket.agent };
      throw errors.rateLimited(bucket.what, bucket.limit, bucket.windowMs / 1000, retryAfterMs, scope);
    }
  };
}

/** Fails closed: when the counter cannot be asked, the request is refused, not let through uncounted. */
async function take(
  namespace: DurableObjectNamespace<RateLimitCounter>,
  agent: string,
  buckets: Bucket[],
): Promise<TakeResult> {
  try {
    return (await namespace.get(namespace.idFromName(agent)).take(buckets)) as TakeResult;
  } catch (error) {
    log("error", "ratelimit.unavailable", { agent, reason: String(error) });
    throw errors.internal();
  }
}
