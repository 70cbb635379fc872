// The official SDK v1 client with its OAuth support against the gateway and a real
// OpenID provider (oidc-provider): it meets the 401, finds the protected-resource
// metadata and the provider from it, registers itself dynamically, goes through
// authorization code + PKCE (the provider's sign-in and consent pages, driven here as a
// browser would), gets a token for the endpoint, connects, and lists only what the agent
// its account maps to may see.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { decodeJwt } from "jose";
import { startAuthCodeProvider } from "../fixtures/oauth-server.mjs";
import { allStarted, startEverything, startGateway, Teardown, type Gateway } from "./harness.js";

const REDIRECT = "http://127.0.0.1:9/callback";
const SCOPE = "mcp:tools";

const teardown = new Teardown();
let gateway: Gateway;
let issuer: string;

beforeAll(async () => {
  const [everything, provider, started] = await allStarted([
    teardown.adopt(startEverything(), (u) => u.kill()),
    teardown.adopt(startAuthCodeProvider([SCOPE]), (p) => p.close()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  issuer = provider.issuer;
  await gateway.configure({
    servers: { everything: { url: everything.url } },
    settings: { oauth: { issuer, requiredScopes: [SCOPE] } },
    // The account signs in as "frontend"; its rules let it see one tool.
    agents: { frontend: { allow: { servers: ["everything"], tools: { everything: ["echo"] } } } },
  });
});

afterAll(() => teardown.run());

describe("the SDK client's OAuth flow", () => {
  it("discovers the provider from the 401, authorizes with PKCE, and sees what its agent may see", async () => {
    const auth = new BrowserlessProvider("frontend");
    const first = new StreamableHTTPClientTransport(gateway.endpoint, { authProvider: auth });
    await expect(new Client({ name: "oauth-e2e", version: "1.0.0" }).connect(first)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(auth.registered?.client_id).toBeTruthy();
    const code = await signInAndConsent(auth.authorizationUrl!, "frontend");
    await first.finishAuth(code);

    const claims = decodeJwt(auth.saved!.access_token);
    expect(claims).toMatchObject({ iss: issuer, sub: "frontend", aud: gateway.endpoint.href, scope: SCOPE });
    const client = new Client({ name: "oauth-e2e", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(gateway.endpoint, { authProvider: auth }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["everything__echo"]);
    await client.close();
    expect(gateway.logs.join("\n")).not.toContain(auth.saved!.access_token);
  });
});

/** An OAuthClientProvider without a browser: it keeps what the SDK hands it, and the URL it would open. */
class BrowserlessProvider implements OAuthClientProvider {
  registered?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  authorizationUrl?: URL;
  #verifier = "";

  constructor(private readonly name: string) {}

  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `oauth-e2e ${this.name}`,
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.registered;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.registered = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/**
 * What a person does in a browser: open the authorization URL, sign in as `login` on the
 * provider's page, press Continue on its consent page; returns the code the provider
 * redirects back with. Cookies are kept as a browser keeps them.
 */
async function signInAndConsent(start: URL, login: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = start.href;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: form } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get("location");
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(REDIRECT)) {
        const code = next.searchParams.get("code");
        if (!code) throw new Error(`the provider redirected back without a code: ${next.href}`);
        return code;
      }
      url = next.href;
      form = undefined;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no sign-in or consent form at ${url} (HTTP ${response.status})`);
    url = new URL(action.replace(/&amp;/g, "&"), url).href;
    form = new URLSearchParams({ prompt, ...(prompt === "login" ? { login, password: "any" } : {}) });
  }
  throw new Error("the provider never redirected back");
}
