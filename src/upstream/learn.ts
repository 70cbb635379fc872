// Learning what an upstream is before first use: its era (era.ts probes server/discover
// once per registration and isolate), then, for a legacy upstream, a new session
// (initialize and notifications/initialized). An upstream that speaks an unknown
// revision, or offers nothing the gateway can serve, is refused here.
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import { asRecord, isErrorResponse } from "../mcp/jsonrpc.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { isSupportedLegacyVersion, LATEST_LEGACY_VERSION } from "../mcp/versions.js";
import { opsReport } from "../observe/ops-report.js";
import { discover, instructionsOf } from "./era.js";
import { upstreamRequestId } from "./ids.js";
import { exchange, type Exchange } from "./http-exchange.js";
import type { Limiter } from "./limiter.js";
import type { UpstreamState } from "./link.js";

/** An upstream must offer at least one of these for the gateway to have anything to relay. */
const SERVABLE_CAPABILITIES = ["tools", "prompts", "resources"];

/** The upstream's state: described (current era) or a new session (legacy). */
export async function learn(
  server: ResolvedServer,
  limiter: Limiter,
  clientCapabilities: Record<string, unknown>,
): Promise<UpstreamState> {
  const found = await discover(server, limiter);
  if (found.era === "legacy") return initialize(server, limiter, clientCapabilities);
  const state: UpstreamState = { ...found, fingerprint: server.fingerprint };
  opsReport.era(server.name, "modern", state.protocolVersion);
  check(server, state.capabilities);
  return state;
}

async function initialize(
  server: ResolvedServer,
  limiter: Limiter,
  clientCapabilities: Record<string, unknown>,
): Promise<UpstreamState> {
  const id = upstreamRequestId("init-");
  const body = {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: LATEST_LEGACY_VERSION, capabilities: clientCapabilities, clientInfo: GATEWAY_INFO },
  };
  const outcome = await limiter.run(() => exchange(exchangeOf(server, {}, body), id, null));
  if (outcome.kind !== "response") throw errors.upstreamError(server.name, "did not answer initialize");
  const response = outcome.response;
  if (isErrorResponse(response)) {
    throw errors.upstreamError(server.name, `refused initialize: ${response.error.message}`);
  }
  const version = response.result["protocolVersion"];
  if (typeof version !== "string" || !isSupportedLegacyVersion(version)) {
    throw errors.upstreamError(
      server.name,
      `speaks protocol revision '${String(version)}', which the gateway does not support`,
    );
  }
  const capabilities = asRecord(response.result["capabilities"]);
  opsReport.era(server.name, "legacy", version);
  check(server, capabilities);
  const state: UpstreamState = {
    era: "legacy",
    protocolVersion: version,
    capabilities,
    serverInfo: asRecord(response.result["serverInfo"]),
    ...instructionsOf(response.result),
    fingerprint: server.fingerprint,
    ...(outcome.sessionId ? { sessionId: outcome.sessionId } : {}),
  };
  const session = {
    "mcp-protocol-version": version,
    ...(state.sessionId ? { "mcp-session-id": state.sessionId } : {}),
  };
  const initialized = exchangeOf(server, session, { jsonrpc: "2.0", method: "notifications/initialized" });
  await limiter.run(() => exchange(initialized, null, state.sessionId ?? null));
  return state;
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
