// Starts the upstreams the integration tests talk to, in Node, before any test runs, and
// stops them after: two fixture upstreams (test/fixtures/upstream-server.mjs),
// server-everything, two authorization servers (test/fixtures/oauth-server.mjs) and a
// stand-in for Presidio's analyzer (test/fixtures/presidio-standin.mjs).
// Tests in workerd reach them over loopback; their addresses, and the Worker secret the
// tests register, arrive through Vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startUpstream } from "../fixtures/upstream-server.mjs";
import { startEverything } from "../fixtures/everything-server.mjs";
import { refusedOrigin } from "../fixtures/refused-port.mjs";
import { CLIENT, startKeyLab, startProvider } from "../fixtures/oauth-server.mjs";
import { startPresidio } from "../fixtures/presidio-standin.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fixture upstream: `${upstreamOrigin}/<tenant>/mcp`. */
    upstreamOrigin: string;
    /** A second fixture upstream, on its own port with its own state. */
    secondUpstreamOrigin: string;
    /** A loopback origin where nothing listens: connections are refused. */
    refusedOrigin: string;
    /** server-everything's Streamable HTTP endpoint. */
    everythingUrl: string;
    /** The value of the Worker secret FIXTURE_SECRET, new each run. */
    fixtureSecret: string;
    /** The Worker secret ADMIN_TOKEN that opens /status, new each run. */
    adminToken: string;
    /** A real OpenID provider (oidc-provider) issuing JWT access tokens to a client-credentials client. */
    oauthIssuer: string;
    oauthClient: { id: string; secret: string };
    /** An issuer whose key set the tests control (test/fixtures/oauth-server.mjs). */
    keyLabIssuer: string;
    /** A stand-in for Presidio's analyzer (test/fixtures/presidio-standin.mjs). */
    presidioUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [first, second, everything, provider, keyLab, presidio] = await Promise.all([
    startUpstream(),
    startUpstream(),
    startEverything(),
    startProvider(),
    startKeyLab(),
    startPresidio(),
  ]);
  project.provide("upstreamOrigin", first.origin);
  project.provide("secondUpstreamOrigin", second.origin);
  project.provide("refusedOrigin", await refusedOrigin());
  project.provide("everythingUrl", everything.url);
  project.provide("fixtureSecret", `fixture-secret-${crypto.randomUUID()}`);
  project.provide("adminToken", `admin-token-${crypto.randomUUID()}`);
  project.provide("oauthIssuer", provider.issuer);
  project.provide("oauthClient", CLIENT);
  project.provide("keyLabIssuer", keyLab.issuer);
  project.provide("presidioUrl", presidio.url);
  return async () => {
    await Promise.all([
      first.close(),
      second.close(),
      everything.stop(),
      provider.close(),
      keyLab.close(),
      presidio.close(),
    ]);
  };
}
