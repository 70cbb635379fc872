import { describe, expect, it } from "vitest";
import { OAuthSettingsSchema, trustedAuthUrl } from "../../src/config/oauth-schema.js";
import { metadataUrls } from "../../src/auth/oauth-keys.js";
import { looksLikeJwt, scopesOf } from "../../src/auth/oauth-token.js";
import {
  acceptedAudiences,
  metadataUrl,
  resourceMetadata,
  scopeChallenge,
  tokenChallenge,
} from "../../src/http/oauth-resource.js";

describe("settings.oauth", () => {
  it("takes https issuers, and http only on loopback", () => {
    expect(trustedAuthUrl("https://sso.example.com/realms/acme")).toBe(true);
    expect(trustedAuthUrl("http://127.0.0.1:8080")).toBe(true);
    expect(trustedAuthUrl("http://localhost:3000/")).toBe(true);
    expect(trustedAuthUrl("http://[::1]:3000")).toBe(true);
    expect(trustedAuthUrl("http://sso.example.com")).toBe(false);
    expect(trustedAuthUrl("http://127.0.0.1.evil.test")).toBe(false);
    expect(trustedAuthUrl("https://user:pass@sso.example.com")).toBe(false);
    expect(trustedAuthUrl("https://sso.example.com/#x")).toBe(false);
    expect(trustedAuthUrl("ftp://sso.example.com")).toBe(false);
    expect(trustedAuthUrl("not a url")).toBe(false);
  });

  it("is one issuer or a list, each at most once, with agentClaim defaulting to sub", () => {
    expect(OAuthSettingsSchema.parse({ issuer: "https://a.example" })).toEqual([
      { issuer: "https://a.example", agentClaim: "sub" },
    ]);
    expect(
      OAuthSettingsSchema.safeParse([{ issuer: "https://a.example" }, { issuer: "https://a.example" }]).success,
    ).toBe(false);
    expect(OAuthSettingsSchema.safeParse({ issuer: "https://a.example", extra: 1 }).success).toBe(false);
    expect(OAuthSettingsSchema.safeParse({ issuer: "https://a.example", jwksUri: "http://keys.example" }).success).toBe(
      false,
    );
  });
});

describe("where an issuer's metadata is", () => {
  it("inserts RFC 8414's well-known path before the issuer's path, then appends OpenID's", () => {
    expect(metadataUrls("https://sso.example.com/realms/acme")).toEqual([
      "https://sso.example.com/.well-known/oauth-authorization-server/realms/acme",
      "https://sso.example.com/realms/acme/.well-known/openid-configuration",
    ]);
    expect(metadataUrls("https://auth.example.com/")).toEqual([
      "https://auth.example.com/.well-known/oauth-authorization-server",
      "https://auth.example.com/.well-known/openid-configuration",
    ]);
  });
});

describe("tokens", () => {
  it("tells a JWT from an API key by its shape", () => {
    expect(looksLikeJwt("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).toBe(true);
    expect(looksLikeJwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")).toBe(true);
    expect(looksLikeJwt("mcpgw_0123456789abcdef")).toBe(false);
    expect(looksLikeJwt("a.b")).toBe(false);
    expect(looksLikeJwt("a.b.c.d")).toBe(false);
  });

  it("reads scopes from scope (space-separated) or scp (a list or a string)", () => {
    expect(scopesOf({ scope: "a  b" })).toEqual(["a", "b"]);
    expect(scopesOf({ scp: ["a", 1, "b"] })).toEqual(["a", "b"]);
    expect(scopesOf({ scp: "a b" })).toEqual(["a", "b"]);
    expect(scopesOf({})).toEqual([]);
  });
});

describe("the protected resource", () => {
  const url = "https://gw.example.com/mcp/docs?x=1";

  it("accepts the origin and the endpoint called as audiences", () => {
    expect(acceptedAudiences(url, "docs")).toEqual([
      "https://gw.example.com",
      "https://gw.example.com/",
      "https://gw.example.com/mcp/docs",
    ]);
    expect(acceptedAudiences("https://gw.example.com/mcp", undefined)).toContain("https://gw.example.com/mcp");
  });

  it("points challenges at the endpoint's metadata", () => {
    expect(metadataUrl(url, "docs")).toBe("https://gw.example.com/.well-known/oauth-protected-resource/mcp/docs");
    expect(tokenChallenge(url, "docs", false)).toBe(
      'Bearer resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource/mcp/docs"',
    );
    expect(tokenChallenge(url, undefined, true)).toMatch(/\/mcp", error="invalid_token"$/);
    expect(scopeChallenge(url, undefined, ["a", "b"])).toMatch(/^Bearer error="insufficient_scope", scope="a b", /);
  });

  it("describes itself with its issuers and their required scopes", () => {
    const issuers = [
      { issuer: "https://a.example", agentClaim: "sub", requiredScopes: ["mcp:tools"] },
      { issuer: "https://b.example", agentClaim: "sub", requiredScopes: ["mcp:tools", "mcp:admin"] },
    ];
    expect(resourceMetadata(url, "docs", issuers)).toEqual({
      resource: "https://gw.example.com/mcp/docs",
      authorization_servers: ["https://a.example", "https://b.example"],
      scopes_supported: ["mcp:tools", "mcp:admin"],
      bearer_methods_supported: ["header"],
    });
  });
});
