// Learning what an upstream is before first use: its era (era.ts probes server/discover
// once per registration and isolate), then, for a legacy upstream, a new session
// (initialize and notifications/initialized). A legacy upstream whose URL refuses the
// Streamable HTTP POST (404 or 405) is tried over the 2024-11-05 HTTP+SSE transport, where
// the owner can hold its event stream (an SseChannels); what was found is remembered per
// registration and isolate. An upstream that speaks an unknown revision, or offers
// nothing the gateway can serve, is refused here.
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import { asRecord, isErrorResponse, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { GatewayError } from "../mcp/errors.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { isServableUpstreamVersion, LATEST_LEGACY_VERSION } from "../mcp/versions.js";
import { opsReport } from "../observe/ops-report.js";
import { discover, instructionsOf } from "./era.js";
import { upstreamRequestId } from "./ids.js";
import { exchange, type Exchange } from "./http-exchange.js";
import type { SseChannels } from "./sse-channel.js";
import type { Limiter } from "./limiter.js";
import type { UpstreamState } from "./link.js";

/** An upstream must offer at least one of these for the gateway to have anything to relay. */
const SERVABLE_CAPABILITIES = ["tools", "prompts", "resources"];

/** Registrations found to speak the HTTP+SSE transport, by fingerprint. */
const overSse = new Set<string>();

/** The upstream's state: described (current era) or a new session (legacy). */
export async function learn(
  server: ResolvedServer,
  limiter: Limiter,
  clientCapabilities: Record<string, unknown>,
  sse?: SseChannels,
): Promise<UpstreamState> {
  const found = await discover(server, limiter);
  if (found.era === "legacy") {
    if (sse && overSse.has(server.fingerprint)) return initializeOverSse(server, sse, clientCapabilities);
    try {
      return await initialize(server, limiter, clientCapabilities);
    } catch (error) {
      if (!sse || !refusesPost(error)) throw error;
      const state = await initializeOverSse(server, sse, clientCapabilities);
      overSse.add(server.fingerprint);
      return state;
    }
  }
  const state: UpstreamState = { ...found, fingerprint: server.fingerprint };
  opsReport.era(server.name, "modern", state.protocolVersion);
  check(server, state.capabilities);
  return state;
}

function initializeRequest(clientCapabilities: Record<string, unknown>) {
  const id = upstreamRequestId("init-");
  const params = { protocolVersion: LATEST_LEGACY_VERSION, capabilities: clientCapabilities, clientInfo: GATEWAY_INFO };
  return { jsonrpc: "2.0" as const, id, method: "initialize", params };
}

async function initialize(
  server: ResolvedServer,
  limiter: Limiter,
  clientCapabilities: Record<string, unknown>,
): Promise<UpstreamState> {
  const body = initializeRequest(clientCapabilities);
  const outcome = await limiter.run(() => exchange(exchangeOf(server, {}, body), body.id, null));
  if (outcome.kind !== "response") throw errors.upstreamError(server.name, "did not answer initialize");
  const state = initialized(server, outcome.response, outcome.sessionId ? { sessionId: outcome.sessionId } : {});
  const session = {
    "mcp-protocol-version": state.protocolVersion,
    ...(state.sessionId ? { "mcp-session-id": state.sessionId } : {}),
  };
  const notice = exchangeOf(server, session, { jsonrpc: "2.0", method: "notifications/initialized" });
  await limiter.run(() => exchange(notice, null, state.sessionId ?? null));
  return state;
}

/** A session over the HTTP+SSE transport: a new event stream, initialize on its endpoint. */
async function initializeOverSse(
  server: ResolvedServer,
  sse: SseChannels,
  clientCapabilities: Record<string, unknown>,
): Promise<UpstreamState> {
  const channel = await sse.open(server);
  try {
    const response = await channel.request(initializeRequest(clientCapabilities), { timeoutMs: server.timeoutMs });
    const state = initialized(server, response, { transport: "sse" });
    await channel.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    return state;
  } catch (error) {
    sse.close(server.name);
    throw error;
  }
}

/** The state an initialize answer describes, when the gateway can serve it. */
function initialized(
  server: ResolvedServer,
  response: JsonRpcResponse,
  how: Pick<UpstreamState, "sessionId" | "transport">,
): UpstreamState {
  if (isErrorResponse(response)) {
    throw errors.upstreamError(server.name, `refused initialize: ${response.error.message}`);
  }
  const version = response.result["protocolVersion"];
  if (typeof version !== "string" || !isServableUpstreamVersion(version)) {
    throw errors.upstreamError(
      server.name,
      `speaks protocol revision '${String(version)}', which the gateway does not support`,
    );
  }
  const capabilities = asRecord(response.result["capabilities"]);
  opsReport.era(server.name, "legacy", version);
  check(server, capabilities);
  return {
    era: "legacy",
    protocolVersion: version,
    capabilities,
    serverInfo: asRecord(response.result["serverInfo"]),
    ...instructionsOf(response.result),
    fingerprint: server.fingerprint,
    ...how,
  };
}

/** The upstream's URL takes no Streamable HTTP POST: it may be an HTTP+SSE transport's stream. */
function refusesPost(error: unknown): boolean {
  if (!(error instanceof GatewayError) || error.code !== "UPSTREAM_ERROR") return false;
  const status = error.details["status"];
  return status === 404 || status === 405;
}

function check(server: ResolvedServer, capabilities: Record<string, unknown>): void {
  if (!SERVABLE_CAPABILITIES.some((name) => capabilities[name] !== undefined)) {
    throw errors.upstreamError(server.name, "offers no tools, prompts or resources, so there is nothing to serve");
  }
}

function exchangeOf(server: ResolvedServer, session: Record<string, string>, body: Record<string, unknown>): Exchange {
  return {
    server: server.name,
    url: server.registration.url,
    headers: { ...server.headers, ...session },
    body,
    timeoutMs: server.timeoutMs,
    breaker: server.breaker,
    secretForms: server.secretForms,
  };
}
