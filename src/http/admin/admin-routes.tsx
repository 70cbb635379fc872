// /admin: the status report as a page, behind the ADMIN_TOKEN secret entered once in a
// form. GET /admin shows the dashboard to a browser with a valid sign-in cookie
// (admin-cookie.ts), else the form; POST /admin/login checks the token and sets the
// cookie; POST /admin/logout clears it. Posts from other sites are refused, the token
// never goes in a URL, a redirect or a log line, and every page is uncached, unframed and
// allowed no script. What the pages look like is the .tsx files' business.
import { Hono, type Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { AppEnv } from "../context.js";
import { ADMIN_TOKEN_HOW_TO, isAdminToken } from "../admin-token.js";
import { readBody } from "../read-body.js";
import { loadStatusReport } from "../status-report.js";
import { log } from "../../observe/log.js";
import { ADMIN_COOKIE, isSignedIn, signInCookie, signOutCookie } from "./admin-cookie.js";
import { adminStyleSource } from "./admin-style.js";
import { Dashboard } from "./dashboard.js";
import { LoginPage, MessagePage } from "./login-page.js";

/** A sign-in form is a few hundred bytes; anything larger is not one. */
const MAX_FORM_BYTES = 8 * 1024;
const FORM_READ_TIMEOUT_MS = 10_000;

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.get("/admin", async (c) => {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return adminDisabled();
  const cookie = c.req.header("cookie");
  if (await isSignedIn(token, cookie, Date.now())) {
    const report = await loadStatusReport(c.env, (p) => c.executionCtx.waitUntil(p));
    return page(200, <Dashboard report={report} />);
  }
  // A cookie that no longer opens the page (expired, or the token was rotated) is cleared.
  if (!cookieSent(cookie)) return page(200, <LoginPage />);
  const error = "Your sign-in has expired or is no longer valid. Sign in again.";
  return page(200, <LoginPage error={error} />, { "set-cookie": signOutCookie(isHttps(c)) });
});

adminRoutes.post("/admin/login", async (c) => {
  const token = c.env.ADMIN_TOKEN;
  if (!token) return adminDisabled();
  if (!fromThisSite(c)) return crossSite();
  if (!(await isAdminToken(token, await sentToken(c.req.raw)))) {
    log("warn", "admin.sign_in_refused", { reason: "not the admin token" });
    return page(401, <LoginPage error="That is not the admin token." />);
  }
  log("info", "admin.signed_in");
  return redirectToAdmin(await signInCookie(token, Date.now(), isHttps(c)));
});

adminRoutes.post("/admin/logout", (c) => {
  if (!fromThisSite(c)) return crossSite();
  return redirectToAdmin(signOutCookie(isHttps(c)));
});

for (const [path, allow] of [
  ["/admin", "GET, HEAD"],
  ["/admin/login", "POST"],
  ["/admin/logout", "POST"],
] as const) {
  adminRoutes.all(path, () => new Response(null, { status: 405, headers: { ...securityHeaders(), allow } }));
}

/** The token field of a url-encoded form; undefined for anything else. */
async function sentToken(request: Request): Promise<string | undefined> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return undefined;
  const body = await readBody(request, MAX_FORM_BYTES, FORM_READ_TIMEOUT_MS);
  if (body.kind !== "read") return undefined;
  return new URLSearchParams(new TextDecoder().decode(body.bytes)).get("token") ?? undefined;
}

/**
 * Whether a POST comes from a page of this gateway. A browser's Sec-Fetch-Site says so and
 * cannot be set by a page; Origin is then "null" (the pages' no-referrer policy hides it).
 * Without Sec-Fetch-Site (an older browser), Origin must be this gateway's. A client that
 * sends neither (curl) is no browser another site could drive.
 */
function fromThisSite(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("origin");
  return origin === undefined || origin === new URL(c.req.url).origin;
}

function isHttps(c: Context<AppEnv>): boolean {
  return new URL(c.req.url).protocol === "https:";
}

function cookieSent(header: string | undefined): boolean {
  return header !== undefined && header.split(";").some((part) => part.trim().startsWith(`${ADMIN_COOKIE}=`));
}

function adminDisabled(): Promise<Response> {
  const message = `The admin page is off until you ${ADMIN_TOKEN_HOW_TO}.`;
  return page(403, <MessagePage title="Admin page off" message={message} />);
}

function crossSite(): Promise<Response> {
  const message = "Refused: this form may only be sent from the gateway's own admin page.";
  return page(403, <MessagePage title="Request refused" message={message} />);
}

/** 303 to /admin (a GET, whatever the form's method), setting or clearing the cookie. */
function redirectToAdmin(setCookie: string): Response {
  return new Response(null, {
    status: 303,
    headers: { ...securityHeaders(), location: "/admin", "set-cookie": setCookie },
  });
}

async function page(status: number, element: JSX.Element, headers: Record<string, string> = {}): Promise<Response> {
  const [html, styleSource] = await Promise.all([element.toString(), adminStyleSource()]);
  return new Response(`<!doctype html>${html}`, {
    status,
    headers: { ...securityHeaders(styleSource), "content-type": "text/html; charset=utf-8", ...headers },
  });
}

function securityHeaders(styleSource = "'none'"): Record<string, string> {
  return {
    "cache-control": "no-store",
    "content-security-policy": [
      "default-src 'none'",
      `style-src ${styleSource}`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  };
}
