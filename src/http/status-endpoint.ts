// GET /status: the status report (status-report.ts) as JSON, behind the ADMIN_TOKEN Worker
// secret sent as a bearer token. /admin shows the same report as a page.
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { bearerToken } from "../auth/api-key.js";
import { isAdminToken } from "./admin-token.js";
import { loadStatusReport } from "./status-report.js";
import { jsonResponse } from "../wire/responses.js";

const NO_STORE = { "cache-control": "no-store" };

export async function handleStatus(c: Context<AppEnv>): Promise<Response> {
  const refused = await checkAdminToken(c.env.ADMIN_TOKEN, c.req.header("authorization"));
  if (refused) return refused;
  const report = await loadStatusReport(c.env, (p) => c.executionCtx.waitUntil(p));
  return jsonResponse(report, 200, NO_STORE);
}

async function checkAdminToken(expected: string | undefined, header: string | undefined): Promise<Response | null> {
  if (!expected) {
    return jsonResponse(
      { error: "Forbidden: /status is disabled until the ADMIN_TOKEN secret is set (wrangler secret put ADMIN_TOKEN)" },
      403,
      NO_STORE,
    );
  }
  if (await isAdminToken(expected, bearerToken(header))) return null;
  return jsonResponse({ error: "Unauthorized: send 'Authorization: Bearer <ADMIN_TOKEN>'" }, 401, {
    ...NO_STORE,
    "www-authenticate": 'Bearer realm="mcp-gateway-status"',
  });
}
