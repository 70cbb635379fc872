// The MCP protocol revisions the gateway speaks, in two eras, and legacy version
// negotiation. Pure. Legacy (2025) revisions start with `initialize` and keep a session;
// current (2026-07-28) ones carry everything in each request's `_meta` envelope (eras.ts).

/** Newest first: the first is what the gateway offers when a client asks for something unknown. */
export const LEGACY_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type LegacyProtocolVersion = (typeof LEGACY_PROTOCOL_VERSIONS)[number];
export const LATEST_LEGACY_VERSION: LegacyProtocolVersion = LEGACY_PROTOCOL_VERSIONS[0];

export const MODERN_PROTOCOL_VERSION = "2026-07-28";
export const MODERN_PROTOCOL_VERSIONS = [MODERN_PROTOCOL_VERSION] as const;

/** Everything the gateway speaks, newest first, as unsupported-version errors list it. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [
  ...MODERN_PROTOCOL_VERSIONS,
  ...LEGACY_PROTOCOL_VERSIONS,
];

export type Era = "legacy" | "modern";

export function isSupportedLegacyVersion(version: string): version is LegacyProtocolVersion {
  return (LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(version);
}

/**
 * What an upstream may answer initialize with: a legacy revision clients may speak too, or
 * 2024-11-05, which servers on the HTTP+SSE transport still speak (the gateway bridges it
 * to its clients like any legacy revision; clients themselves must speak 2025-03-26 or later).
 */
export function isServableUpstreamVersion(version: string): boolean {
  return isSupportedLegacyVersion(version) || version === "2024-11-05";
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

/** Revision identifiers are ISO dates: every revision from 2026-07-28 on is current-era. */
export function isModernVersion(version: string): boolean {
  return REVISION_FORMAT.test(version) && version >= MODERN_PROTOCOL_VERSION;
}

/** Revisions are dates; anything else (a word, `1.0`) is no revision at all, of either era. */
const REVISION_FORMAT = /^\d{4}-\d{2}-\d{2}$/;
