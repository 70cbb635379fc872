// `settings.oauth`: the authorization servers whose access tokens the gateway accepts in
// place of an API key (the gateway as an OAuth 2.1 resource server). One issuer, or a list.
// URLs must be https, except on loopback hosts (local development and tests).
import { z } from "zod";

/** Whether a URL may name an authorization server or its keys: https, or http on loopback. */
export function trustedAuthUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && isLoopback(url.hostname);
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** A URL of an authorization server (or another trusted service the gateway calls): https, or http on loopback. */
export const AuthUrlSchema = z
  .string()
  .max(2048)
  .refine(trustedAuthUrl, "must be an https:// URL without credentials or fragment (http:// only on loopback)");

export const OAuthIssuerSchema = z
  .object({
    issuer: AuthUrlSchema.describe("The authorization server's issuer identifier: tokens' `iss` must equal it."),
    audience: z
      .union([z.string().min(1).max(2048), z.array(z.string().min(1).max(2048)).min(1).max(50)])
      .optional()
      .describe(
        "Further audiences (resource identifiers) accepted in `aud`, beside this gateway's origin and the URL of the endpoint called.",
      ),
    agentClaim: z
      .string()
      .min(1)
      .max(256)
      .default("sub")
      .describe("The claim whose value names the agent (through agentMap when it has the value)."),
    jwksUri: AuthUrlSchema.optional().describe(
      "Where the issuer's signing keys are; unset: read from its metadata (RFC 8414, else OpenID discovery).",
    ),
    agentMap: z
      .record(z.string().min(1).max(1024), z.string().min(1).max(128))
      .optional()
      .describe("Claim value → agent name; a value not listed is the agent name itself."),
    requiredScopes: z
      .array(z.string().min(1).max(256))
      .max(50)
      .optional()
      .describe("Scopes every token must carry (`scope` or `scp`); missing ones get 403 insufficient_scope."),
  })
  .strict();
export type OAuthIssuer = z.infer<typeof OAuthIssuerSchema>;

export const OAuthSettingsSchema = z
  .union([OAuthIssuerSchema, z.array(OAuthIssuerSchema).min(1).max(10)])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .refine((issuers) => new Set(issuers.map((i) => i.issuer)).size === issuers.length, "each issuer at most once");
