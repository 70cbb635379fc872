// Middleware that runs before any MCP handling: loads the config snapshot, then stops
// DNS rebinding (Host allow-list) and foreign browser origins (Origin allow-list, with
// CORS answers for the allowed ones). Authentication comes after these.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { configStore } from "../config/store.js";
import { errors } from "../mcp/errors.js";
import type { AppEnv } from "./context.js";
import type { Settings } from "../config/schemas.js";

export function loadConfig(): MiddlewareHandler<AppEnv> {
  return async function loadConfig(c, next) {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    c.set("snapshot", await configStore(c.env).current((p) => c.executionCtx.waitUntil(p)));
    await next();
  };
}

/** Refuses requests whose headers, all together, exceed settings.maxHeaderBytes (431). */
export function headerSizeGuard(): MiddlewareHandler<AppEnv> {
  return async function headerSizeGuard(c, next) {
    const max = c.get("snapshot").settings.maxHeaderBytes;
    let total = 0;
    for (const [name, value] of c.req.raw.headers) total += name.length + value.length;
    if (total > max) throw errors.limitExceeded("maxHeaderBytes", max, `the headers total ${total} bytes`, 431);
    await next();
  };
}

export function hostAndOriginGuard(): MiddlewareHandler<AppEnv> {
  return async function hostAndOriginGuard(c, next) {
    const settings = c.get("snapshot").settings;
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!isAllowedHost(host, settings)) throw errors.forbiddenHost(host);
    const origin = c.req.header("origin");
    if (origin !== undefined && !isAllowedOrigin(origin, settings)) throw errors.forbiddenOrigin(origin);
    await next();
  };
}

/** CORS for allowed browser origins (the MCP Inspector's direct mode, web clients). */
export function corsForAllowedOrigins(): MiddlewareHandler<AppEnv> {
  return cors({
    origin: (origin, c) =>
      isAllowedOrigin(origin, (c.get("snapshot") as AppEnv["Variables"]["snapshot"]).settings) ? origin : null,
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: [
      "authorization",
      "content-type",
      "accept",
      "mcp-session-id",
      "mcp-protocol-version",
      "last-event-id",
      "x-mcp-agent",
    ],
    exposeHeaders: ["mcp-session-id", "mcp-protocol-version", "www-authenticate"],
    maxAge: 600,
  });
}

export function isAllowedOrigin(origin: string, settings: Settings): boolean {
  return settings.allowedOrigins.includes("*") || settings.allowedOrigins.includes(origin);
}

export function isAllowedHost(host: string, settings: Settings): boolean {
  if (settings.allowedHosts.length === 0) return true;
  return settings.allowedHosts.includes(hostname(host).toLowerCase());
}

/** `example.com:8787` → `example.com`; `[::1]:8787` → `[::1]`. */
function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}
