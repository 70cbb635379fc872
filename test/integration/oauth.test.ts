// The gateway as an OAuth resource server: access tokens from a real OpenID provider
// (client credentials with a resource indicator) and from a key lab whose keys the tests
// hold, checked for signature, issuer, audience, time, algorithm and scope, mapped to
// agents; every refusal with the right status and challenge; API keys alongside; the
// protected-resource metadata clients discover the provider from.
import { afterEach, beforeEach, describe, expect, it, inject, vi } from "vitest";
import { gatewayFetch, GATEWAY_ORIGIN } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { AgentSession, initializeAs, refusal } from "./support/agent.js";
import { captureLogs } from "./support/logs.js";
import { postModern } from "./support/hostile.js";
import { fetchStatus } from "./support/status.js";
import {
  keySetFailing,
  keySetFetches,
  labKey,
  labToken,
  providerToken,
  serveKeys,
  type LabKey,
} from "./support/oauth.js";

const MCP = `${GATEWAY_ORIGIN}/mcp`;
const METADATA = `${GATEWAY_ORIGIN}/.well-known/oauth-protected-resource/mcp`;

let ci: FixtureTenant;
let docs: FixtureTenant;
let key: LabKey;

async function seed(lab: Record<string, unknown> = {}) {
  await seedConfig({
    servers: { ci: { url: ci.url }, docs: { url: docs.url } },
    settings: {
      oauth: [
        { issuer: inject("oauthIssuer"), agentMap: { [inject("oauthClient").id]: "ci-bot" } },
        { issuer: inject("keyLabIssuer"), agentClaim: "agent", ...lab },
      ],
    },
    agents: { "ci-bot": { allow: { servers: ["ci"] } }, reader: { allow: { servers: ["docs"] } } },
    virtualServers: { docs: { servers: ["docs"], agents: ["reader"] } },
  });
}

beforeEach(async () => {
  ci = FixtureTenant.create("oauth-ci");
  docs = FixtureTenant.create("oauth-docs", "second");
  await ci.configure({ tools: ["run_build"] });
  await docs.configure({ tools: ["search_docs"] });
  key = await labKey("lab-1");
  await serveKeys(key);
  await keySetFailing(false);
  await seed();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function toolNames(token: string, path = "/mcp"): Promise<string[]> {
  const session = await AgentSession.open({ key: token, path });
  return (await session.list("tools")).map((tool) => String(tool["name"])).sort();
}

async function refused(token: string | null, path = "/mcp") {
  const response = await initializeAs({ key: token, path });
  return { ...(await refusal(response)), challenge: response.headers.get("www-authenticate") };
}

describe("access tokens accepted", () => {
  it("takes a real provider's client-credentials token for this endpoint, as the agent its client maps to", async () => {
    const logs = captureLogs();
    const token = await providerToken(MCP);
    expect(await toolNames(token)).toEqual(["ci__run_build"]);
    const audit = logs.events().filter((line) => line.event.startsWith("audit.") && line["oauthIssuer"] !== undefined);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit[0]).toMatchObject({
      agent: "ci-bot",
      oauthIssuer: inject("oauthIssuer"),
      oauthSubject: inject("oauthClient").id,
    });
    expect(logs.raw().join("\n")).not.toContain(token);
    expect(logs.raw().join("\n")).not.toContain(token.split(".")[2]!);
  });

  it("takes a token for the gateway's origin anywhere, and one for a virtual server only there", async () => {
    expect(await toolNames(await labToken(key, { agent: "reader", aud: GATEWAY_ORIGIN }), "/mcp/docs")).toEqual([
      "docs__search_docs",
    ]);
    const forDocs = await labToken(key, { agent: "reader", aud: `${MCP}/docs` });
    expect(await toolNames(forDocs, "/mcp/docs")).toEqual(["docs__search_docs"]);
    expect((await refused(forDocs, "/mcp")).status).toBe(401);
  });

  it("serves 2026-07-28 requests, which carry the token on every request, alike", async () => {
    const token = await labToken(key, { agent: "reader", aud: MCP });
    const response = await postModern("tools/list", {}, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { tools: Array<{ name: string }> } };
    expect(body.result.tools.map((tool) => tool.name)).toEqual(["docs__search_docs"]);
    const expired = await labToken(key, { agent: "reader", aud: MCP, exp: Math.floor(Date.now() / 1000) - 60 });
    const refusedModern = await postModern("tools/list", {}, { headers: { authorization: `Bearer ${expired}` } });
    expect(refusedModern.status).toBe(401);
    expect(refusedModern.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("accepts the audiences an issuer adds, and keeps API keys working alongside", async () => {
    await seed({ audience: "urn:example:gateway" });
    expect(await toolNames(await labToken(key, { agent: "reader", aud: "urn:example:gateway" }))).toEqual([
      "docs__search_docs",
    ]);
    const withKey = await AgentSession.open();
    expect((await withKey.list("tools")).length).toBe(2);
  });

  it("verifies a key that appears after a rotation, fetching the key set again at most once a minute", async () => {
    const first = await labToken(key, { agent: "reader", aud: MCP });
    expect(await toolNames(first)).toEqual(["docs__search_docs"]);
    const fetchesBefore = await keySetFetches();
    const rotated = await labKey("lab-2");
    await serveKeys(key, rotated);
    // Within a minute of the last fetch, an unknown key id is not worth another fetch.
    expect((await refused(await labToken(rotated, { agent: "reader", aud: MCP }))).status).toBe(401);
    expect(await keySetFetches()).toBe(fetchesBefore);
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
    expect(await toolNames(await labToken(rotated, { agent: "reader", aud: MCP }))).toEqual(["docs__search_docs"]);
    expect(await keySetFetches()).toBe(fetchesBefore + 1);
  });
});

describe("access tokens refused", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("answers 401 invalid_token, pointing at the metadata, for every bad token, and says nothing more", async () => {
    const other = await labKey("lab-1");
    const cases: Record<string, string> = {
      expired: await labToken(key, { agent: "reader", aud: MCP, exp: now() - 30 }),
      "not yet valid": await labToken(key, { agent: "reader", aud: MCP, nbf: now() + 60 }),
      "no exp": await labToken(key, { agent: "reader", aud: MCP, exp: undefined }),
      "wrong audience": await labToken(key, { agent: "reader", aud: "http://elsewhere.test/mcp" }),
      "no audience": await labToken(key, { agent: "reader" }),
      "unknown issuer": await labToken(key, { agent: "reader", aud: MCP, iss: "http://127.0.0.1:9/" }),
      "signed by another key with the same kid": await labToken(other, { agent: "reader", aud: MCP }),
      "unknown kid": await labToken(await labKey("nobody"), { agent: "reader", aud: MCP }),
      "alg none": unsigned({ alg: "none", kid: "lab-1" }, { iss: inject("keyLabIssuer"), agent: "reader", aud: MCP }),
      "HS256 keyed with the public key": await hmacWithPublicKey(key),
      malformed: "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln",
    };
    for (const [name, token] of Object.entries(cases)) {
      const { status, body, challenge, text } = await refused(token);
      expect(status, name).toBe(401);
      expect(challenge, name).toBe(`Bearer resource_metadata="${METADATA}", error="invalid_token"`);
      expect(body.error?.data?.code, name).toBe("UNAUTHORIZED");
      expect(text, name).not.toMatch(/expired|audience|kid|signature|issuer|alg/i);
    }
  });

  it("asks for a token when none is sent, and names the endpoint's own metadata", async () => {
    const root = await refused(null);
    expect(root.status).toBe(401);
    expect(root.challenge).toBe(`Bearer resource_metadata="${METADATA}"`);
    const onVs = await refused(null, "/mcp/docs");
    expect(onVs.challenge).toBe(`Bearer resource_metadata="${METADATA}/docs"`);
  });

  it("answers 403 insufficient_scope naming the missing scope", async () => {
    await seed({ requiredScopes: ["mcp:tools", "mcp:write"] });
    const { status, body, challenge } = await refused(
      await labToken(key, { agent: "reader", aud: MCP, scope: "mcp:tools" }),
    );
    expect(status).toBe(403);
    expect(body.error?.data).toMatchObject({ code: "INSUFFICIENT_SCOPE", scopes: ["mcp:write"] });
    expect(challenge).toBe(`Bearer error="insufficient_scope", scope="mcp:write", resource_metadata="${METADATA}"`);
    const scp = await labToken(key, { agent: "reader", aud: MCP, scp: ["mcp:tools", "mcp:write"] });
    expect(await toolNames(scp)).toEqual(["docs__search_docs"]);
  });

  it("refuses a valid token whose agent claim names no configured agent, and audits its issuer and subject", async () => {
    const logs = captureLogs();
    const { status, body } = await refused(await labToken(key, { agent: "intruder", sub: "user-42", aud: MCP }));
    expect(status).toBe(403);
    expect(body.error?.data?.code).toBe("UNKNOWN_TOKEN_AGENT");
    expect(logs.events("audit.decision").find((line) => line["decision"] === "deny")).toMatchObject({
      oauthIssuer: inject("keyLabIssuer"),
      oauthSubject: "user-42",
    });
  });

  it("answers 503 while the key set cannot be fetched, and API keys keep working", async () => {
    await keySetFailing(true);
    vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ["Date"] });
    const { status, body } = await refused(await labToken(key, { agent: "reader", aud: MCP }));
    expect(status).toBe(503);
    expect(body.error?.data?.code).toBe("AUTH_UNAVAILABLE");
    expect((await (await AgentSession.open()).list("tools")).length).toBe(2);
  });

  it("answers 503 when an issuer's metadata cannot be reached", async () => {
    await seedConfig({
      servers: { ci: { url: ci.url } },
      settings: { oauth: { issuer: inject("refusedOrigin") } },
      agents: { reader: { allow: { servers: ["ci"] } } },
    });
    const token = await labToken(key, { agent: "reader", aud: MCP, iss: inject("refusedOrigin") });
    expect((await refused(token)).status).toBe(503);
  });
});

describe("protected-resource metadata (RFC 9728)", () => {
  it("describes each endpoint, and the root names /mcp", async () => {
    const expected = (resource: string) => ({
      resource,
      authorization_servers: [inject("oauthIssuer"), inject("keyLabIssuer")],
      bearer_methods_supported: ["header"],
    });
    for (const [path, resource] of [
      ["/.well-known/oauth-protected-resource", MCP],
      ["/.well-known/oauth-protected-resource/mcp", MCP],
      ["/.well-known/oauth-protected-resource/mcp/docs", `${MCP}/docs`],
    ] as const) {
      const response = await gatewayFetch(path, { headers: { authorization: "" } });
      expect(response.status, path).toBe(200);
      expect(await response.json(), path).toEqual(expected(resource));
    }
  });

  it("names the issuers in /status", async () => {
    const status = (await (await fetchStatus()).json()) as { config: { oauthIssuers: string[] } };
    expect(status.config.oauthIssuers).toEqual([inject("oauthIssuer"), inject("keyLabIssuer")]);
  });

  it("lists the required scopes, and is not there for unknown endpoints or without settings.oauth", async () => {
    await seed({ requiredScopes: ["mcp:tools"] });
    const body = await (await gatewayFetch("/.well-known/oauth-protected-resource/mcp")).json();
    expect(body).toMatchObject({ scopes_supported: ["mcp:tools"] });
    expect((await gatewayFetch("/.well-known/oauth-protected-resource/mcp/nope")).status).toBe(404);
    expect((await gatewayFetch("/.well-known/oauth-protected-resource/other")).status).toBe(404);
    await seedConfig({ servers: { ci: { url: ci.url } } });
    expect((await gatewayFetch("/.well-known/oauth-protected-resource/mcp")).status).toBe(404);
  });
});

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  return `${part(header)}.${part({ iat: now, exp: now + 300, ...claims })}.`;
}

/** The classic confusion attack: an HS256 token keyed with the bytes of the issuer's public key. */
async function hmacWithPublicKey(lab: LabKey): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(lab.publicJwk));
  const hmac = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const head = unsigned({ alg: "HS256", kid: lab.kid }, { iss: inject("keyLabIssuer"), agent: "reader", aud: MCP });
  const signingInput = head.slice(0, -1);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(signingInput)));
  const b64 = btoa(String.fromCharCode(...signature))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
  return `${signingInput}.${b64}`;
}
