// MCP protocol revisions the gateway speaks, and version negotiation. Pure.
// The 2026-07-28 (stateless) revision is handled elsewhere when it lands; this file
// only knows the sessionful 2025 revisions.

/** Newest first: the first is what the gateway offers when a client asks for something unknown. */
export const LEGACY_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type LegacyProtocolVersion = (typeof LEGACY_PROTOCOL_VERSIONS)[number];
export const LATEST_LEGACY_VERSION: LegacyProtocolVersion = LEGACY_PROTOCOL_VERSIONS[0];

/** Per the spec, a request without the header after initialization is taken as this revision. */
export const ASSUMED_VERSION_WITHOUT_HEADER = "2025-03-26";

export function isSupportedLegacyVersion(version: string): version is LegacyProtocolVersion {
  return (LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/**
 * The spec's rule: answer with the client's version when supported, otherwise with
 * the latest one the server supports (the client then decides whether to go on).
 */
export function negotiateVersion(requested: unknown): LegacyProtocolVersion {
  return typeof requested === "string" && isSupportedLegacyVersion(requested) ? requested : LATEST_LEGACY_VERSION;
}

/** JSON-RPC batches exist only in 2025-03-26; later revisions removed them. */
export function allowsBatches(version: string): boolean {
  return version === "2025-03-26";
}
