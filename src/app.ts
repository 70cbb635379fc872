// The Hono app: middleware order and routes. Edge code throws the gateway's errors and
// onError answers each with its own status, headers and JSON-RPC error body; anything
// unexpected is logged and answered as an internal error, never as an unhandled 500 page.
import { Hono } from "hono";
import { errors, GatewayError } from "./mcp/errors.js";
import { errorHttpResponse, jsonResponse } from "./wire/responses.js";
import { corsForAllowedOrigins, headerSizeGuard, hostAndOriginGuard, loadConfig } from "./http/edge-guards.js";
import { handleDelete, handleGet, handlePost } from "./http/mcp-endpoint.js";
import { authenticate } from "./http/authenticate.js";
import { handleStatus } from "./http/status-endpoint.js";
import { adminRoutes } from "./http/admin/admin-routes.js";
import { handleResourceMetadata } from "./http/oauth-resource.js";
import type { AppEnv } from "./http/context.js";
import { log } from "./observe/log.js";

export const app = new Hono<AppEnv>();

// Cheap on purpose: no KV, no Durable Object, no upstream. It says the Worker runs.
app.get("/healthz", () => jsonResponse({ ok: true }, 200, { "cache-control": "no-store" }));
app.get("/status", handleStatus);
// The status report as a page for a person, behind the same token entered in a form.
app.route("/", adminRoutes);

const mcpMiddleware = [
  loadConfig(),
  headerSizeGuard(),
  hostAndOriginGuard(),
  corsForAllowedOrigins(),
  authenticate(),
] as const;
// OAuth protected-resource metadata (RFC 9728), for the root and each endpoint; 404 without settings.oauth.
app.get("/.well-known/oauth-protected-resource", loadConfig(), handleResourceMetadata);
app.get("/.well-known/oauth-protected-resource/*", loadConfig(), handleResourceMetadata);

const methodNotAllowed = () => new Response(null, { status: 405, headers: { allow: "GET, POST, DELETE, OPTIONS" } });

// `/mcp` aggregates what the agent may see; `/mcp/<name>` is a virtual server.
for (const path of ["/mcp", "/mcp/:name"]) {
  app.use(path, ...mcpMiddleware);
  app.post(path, handlePost);
  app.get(path, handleGet);
  app.delete(path, handleDelete);
  app.all(path, methodNotAllowed);
}

app.notFound(() => jsonResponse({ error: "Not Found: the MCP endpoint is /mcp" }, 404));

app.onError((error, c) => {
  if (error instanceof GatewayError) return errorHttpResponse(error);
  log("error", "request.failed", {
    requestId: c.get("requestId"),
    path: new URL(c.req.url).pathname,
    reason: String(error),
  });
  return errorHttpResponse(errors.internal());
});
