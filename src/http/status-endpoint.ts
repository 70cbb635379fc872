// GET /status: what an operator needs to see, behind the ADMIN_TOKEN Worker secret.
// The configuration in force (revision, when loaded, invalid entries and why), each
// upstream's era, health, breaker state, last error and latency, counts of sessions,
// requests and calls, and per agent/server/item metrics. Never URLs' paths or queries,
// header values, keys or secrets: upstream URLs can carry tokens, so only hosts appear,
// and error messages are scrubbed of the registration's secret values.
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { configStore } from "../config/store.js";
import { KEY_PREFIX, type ConfigSnapshot } from "../config/snapshot.js";
import { bearerToken, constantTimeEqual } from "../auth/api-key.js";
import { sha256Hex } from "../observe/hash.js";
import { summarizeLatency } from "../observe/histogram.js";
import { GATEWAY_STATUS_NAME } from "../observe/observer.js";
import { pinStoreFor, type PinSummary } from "../observe/tool-pins.js";
import type { StatusTotals, UpstreamTotals } from "../observe/gateway-status.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { jsonResponse } from "../wire/responses.js";

const NO_STORE = { "cache-control": "no-store" };

export async function handleStatus(c: Context<AppEnv>): Promise<Response> {
  const refused = await checkAdminToken(c.env.ADMIN_TOKEN, c.req.header("authorization"));
  if (refused) return refused;
  const [snapshot, totals, pins] = await Promise.all([
    configStore(c.env).current((p) => c.executionCtx.waitUntil(p)),
    c.env.GATEWAY_STATUS.get(c.env.GATEWAY_STATUS.idFromName(GATEWAY_STATUS_NAME)).read() as Promise<StatusTotals>,
    pinStoreFor(c.env).summary(),
  ]);
  return jsonResponse(statusReport(snapshot, totals, pins), 200, NO_STORE);
}

async function checkAdminToken(expected: string | undefined, header: string | undefined): Promise<Response | null> {
  if (!expected) {
    return jsonResponse(
      { error: "Forbidden: /status is disabled until the ADMIN_TOKEN secret is set (wrangler secret put ADMIN_TOKEN)" },
      403,
      NO_STORE,
    );
  }
  const token = bearerToken(header);
  // Hashes have one length whatever was sent, so the comparison takes the same time.
  const [sent, wanted] = await Promise.all([sha256Hex(token ?? ""), sha256Hex(expected)]);
  if (typeof token === "string" && constantTimeEqual(sent, wanted)) return null;
  return jsonResponse({ error: "Unauthorized: send 'Authorization: Bearer <ADMIN_TOKEN>'" }, 401, {
    ...NO_STORE,
    "www-authenticate": 'Bearer realm="mcp-gateway-status"',
  });
}

export function statusReport(snapshot: ConfigSnapshot, totals: StatusTotals, pins: readonly PinSummary[] = []) {
  const calls = Object.values(totals.calls);
  return {
    gateway: GATEWAY_INFO,
    generatedAt: new Date().toISOString(),
    countingSince: new Date(totals.since).toISOString(),
    config: {
      revision: snapshot.revision,
      loadedAt: new Date(snapshot.loadedAt).toISOString(),
      servers: snapshot.servers.size,
      agents: snapshot.agents.size,
      virtualServers: snapshot.virtualServers.size,
      apiKeys: snapshot.apiKeys.size,
      exposure: exposureOf(snapshot),
      oauthIssuers: (snapshot.settings.oauth ?? []).map((issuer) => issuer.issuer),
      invalidEntries: snapshot.problems.map(({ key, problem, keptLastGood }) => ({ key, problem, keptLastGood })),
      warnings: snapshot.warnings,
    },
    upstreams: upstreamsOf(snapshot, totals),
    tools: toolsOf(snapshot, pins),
    counts: {
      sessions: {
        started: totals.sessionsStarted,
        ended: totals.sessionsEnded,
        active: Math.max(0, totals.sessionsStarted - totals.sessionsEnded),
      },
      requests: totals.requests,
      errors: totals.errors,
      calls: calls.reduce((sum, c) => sum + c.calls, 0),
      callErrors: calls.reduce((sum, c) => sum + c.errors, 0),
    },
    metrics: calls
      .map(({ agent, server, item, calls, errors, latency }) => ({
        agent,
        server,
        item,
        calls,
        errors,
        latency: summarizeLatency(latency),
      }))
      .sort((a, b) => b.calls - a.calls),
  };
}

/**
 * Tool pinning: the mode, and the tools worth a look: drifted from their pin (quarantined
 * unless approved, in quarantine mode) or flagged for injection markers when first seen.
 */
function toolsOf(snapshot: ConfigSnapshot, pins: readonly PinSummary[]) {
  const mode = snapshot.settings.toolPinning;
  return {
    pinning: mode,
    attention: pins.map((pin) => {
      const approved = snapshot.servers.get(pin.server)?.pinning.approved[pin.tool];
      const state =
        pin.drifted === undefined
          ? "pinned"
          : approved === pin.drifted
            ? "approved"
            : mode === "quarantine"
              ? "quarantined"
              : "drifted";
      return { ...pin, state };
    }),
  };
}

/** How tools are listed: the default, and the agents and virtual servers that set their own. */
function exposureOf(snapshot: ConfigSnapshot) {
  const own = (entries: ReadonlyMap<string, { exposure?: string | undefined }>) =>
    Object.fromEntries([...entries].flatMap(([name, entry]) => (entry.exposure ? [[name, entry.exposure]] : [])));
  return {
    default: snapshot.settings.exposure,
    agents: own(snapshot.agents),
    virtualServers: own(snapshot.virtualServers),
  };
}

/** Every registration, usable or not, with what the isolates reported about it. */
function upstreamsOf(snapshot: ConfigSnapshot, totals: StatusTotals) {
  const names = new Set([...snapshot.servers.keys(), ...snapshot.unusable.keys()]);
  return [...names].sort().map((name) => {
    const server = snapshot.servers.get(name);
    const seen = Object.hasOwn(totals.upstreams, name) ? totals.upstreams[name] : undefined;
    const scrub = (text: string) => server?.secretForms?.scrubText(text) ?? text;
    return {
      name,
      host: server ? hostOf(server.registration.url) : undefined,
      usable: server !== undefined,
      ...(server ? {} : { problem: snapshot.unusable.get(name), key: `${KEY_PREFIX.server}${name}` }),
      era: seen?.era?.era ?? "unknown",
      protocolVersion: seen?.era?.protocolVersion,
      health: healthOf(seen),
      breaker: { state: seen?.breaker?.state ?? "closed", since: iso(seen?.breaker?.at) },
      lastOkAt: iso(seen?.lastOkAt),
      lastError: seen?.lastError
        ? { code: seen.lastError.code, message: scrub(seen.lastError.message), at: iso(seen.lastError.at) }
        : undefined,
      requests: { ok: seen?.ok ?? 0, failed: seen?.failed ?? 0 },
      latency: summarizeLatency(seen?.latency ?? { count: 0, sumMs: 0, maxMs: 0, buckets: [] }),
    };
  });
}

/** ok: last heard of succeeding; failing: last heard of failing; unknown: not heard of yet. */
function healthOf(seen: UpstreamTotals | undefined): "ok" | "failing" | "unknown" {
  if (!seen || (seen.lastOkAt === undefined && seen.lastError === undefined)) return "unknown";
  if (seen.breaker?.state === "open") return "failing";
  return (seen.lastError?.at ?? -1) > (seen.lastOkAt ?? -1) ? "failing" : "ok";
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

function iso(at: number | undefined): string | undefined {
  return at === undefined ? undefined : new Date(at).toISOString();
}
