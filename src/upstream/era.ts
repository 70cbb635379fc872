// Which era an upstream speaks, learned once per registration (per isolate) by probing
// `server/discover`: a current-era server describes itself; a legacy one refuses the
// unknown, sessionless request. Connection failures are not remembered: the next use
// probes again.
import type { ResolvedServer } from "../config/snapshot.js";
import { GatewayError } from "../mcp/errors.js";
import { asRecord, isErrorResponse } from "../mcp/jsonrpc.js";
import { META, modernRequestHeaders } from "../mcp/eras.js";
import { MODERN_PROTOCOL_VERSION } from "../mcp/versions.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { exchange } from "./http-exchange.js";
import type { Limiter } from "./limiter.js";
import { upstreamRequestId } from "./ids.js";

export type Discovery =
  | { era: "legacy" }
  | {
      era: "modern";
      protocolVersion: string;
      capabilities: Record<string, unknown>;
      serverInfo: Record<string, unknown>;
      instructions?: string;
    };

const known = new Map<string, Promise<Discovery>>();
/** What was learned, by registration fingerprint, for who needs it without waiting. */
const learned = new Map<string, Discovery["era"]>();

export function discover(server: ResolvedServer, limiter: Limiter): Promise<Discovery> {
  let found = known.get(server.fingerprint);
  if (!found) {
    found = probe(server, limiter);
    known.set(server.fingerprint, found);
    found.then(
      (discovery) => learned.set(server.fingerprint, discovery.era),
      () => known.delete(server.fingerprint),
    );
  }
  return found;
}

/** The era learned of a registration in this isolate, if any. */
export function knownEra(server: ResolvedServer): Discovery["era"] | undefined {
  return learned.get(server.fingerprint);
}

async function probe(server: ResolvedServer, limiter: Limiter): Promise<Discovery> {
  const id = upstreamRequestId("discover-");
  const body = {
    jsonrpc: "2.0",
    id,
    method: "server/discover",
    params: {
      _meta: {
        [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
        [META.clientInfo]: GATEWAY_INFO,
        [META.clientCapabilities]: {},
      },
    },
  };
  let outcome;
  try {
    outcome = await limiter.run(() =>
      exchange(
        {
          server: server.name,
          url: server.registration.url,
          headers: {
            ...server.headers,
            ...modernRequestHeaders("server/discover", undefined, MODERN_PROTOCOL_VERSION),
          },
          body,
          timeoutMs: server.timeoutMs,
          breaker: server.breaker,
          secretForms: server.secretForms,
        },
        id,
        null,
      ),
    );
  } catch (error) {
    // A 4xx is a refusal of the unknown request: legacy. Anything else is a fault.
    const status = error instanceof GatewayError ? error.details["status"] : undefined;
    if (typeof status === "number" && status >= 400 && status < 500) return { era: "legacy" };
    throw error;
  }
  if (outcome.kind !== "response" || isErrorResponse(outcome.response)) return { era: "legacy" };
  const result = outcome.response.result;
  const versions = result["supportedVersions"];
  if (!Array.isArray(versions) || !versions.includes(MODERN_PROTOCOL_VERSION)) return { era: "legacy" };
  return {
    era: "modern",
    protocolVersion: MODERN_PROTOCOL_VERSION,
    capabilities: asRecord(result["capabilities"]),
    serverInfo: asRecord(asRecord(result["_meta"])[META.serverInfo]),
    ...instructionsOf(result),
  };
}

/** An upstream's `instructions`, when it gives a non-empty string. */
export function instructionsOf(result: Record<string, unknown>): { instructions?: string } {
  const instructions = result["instructions"];
  return typeof instructions === "string" && instructions.trim() !== "" ? { instructions } : {};
}
