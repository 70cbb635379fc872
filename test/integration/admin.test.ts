// /admin as a browser and an attacker meet it: a sign-in form; the admin token posted once,
// answered with a signed cookie (HttpOnly, SameSite=Strict, Path=/admin, Secure over https)
// that never holds the token; forged, tampered, expired, far-future and other-token cookies
// refused; posts from other sites refused; sign-out; and the token in no response, redirect,
// URL or log line. Every page is uncached, unframed and allowed no script.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../src/app.js";
import { signInCookie } from "../../src/http/admin/admin-cookie.js";
import { sha256Hex } from "../../src/observe/hash.js";
import { seedConfig } from "./support/config.js";
import { captureLogs, type CapturedLogs } from "./support/logs.js";
import { GATEWAY_ORIGIN } from "./support/client.js";
import {
  ADMIN_COOKIE,
  adminFetch,
  adminPage,
  cookieAttributes,
  cookieSet,
  SAME_SITE,
  seen,
  signIn,
} from "./support/admin.js";
import { readStatus } from "./support/status.js";

const token = () => inject("adminToken");
let logs: CapturedLogs;

beforeEach(async () => {
  await seedConfig({});
  seen.length = 0;
  logs = captureLogs();
});

afterEach(async () => {
  // Whatever a test did, the token went nowhere: no body, header (a redirect's URL is one) or log line.
  const hash = await sha256Hex(token());
  for (const response of seen) {
    for (const part of [response.headers, response.body]) {
      expect(part).not.toContain(token());
      expect(part).not.toContain(hash);
    }
  }
  expect(logs.raw().join("\n")).not.toContain(token());
  vi.restoreAllMocks();
});

function expectLockedDown(response: Response) {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
  expect(csp).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
}

async function expectForm(response: Response, status = 200): Promise<string> {
  const body = await response.text();
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  expect(body).toMatch(/<form method="post" action="\/admin\/login">/);
  expect(body).toMatch(/<input[^>]* name="token"[^>]* type="password"/);
  expect(body).not.toContain("Upstreams");
  expectLockedDown(response);
  return body;
}

describe("signing in to /admin", () => {
  it("shows a browser without a cookie the sign-in form, and nothing else", async () => {
    await expectForm(await adminPage());
  });

  it("answers a wrong token with 401 and the form again, setting no cookie", async () => {
    for (const wrong of ["not-the-token", token().toUpperCase(), `${token()} `, ""]) {
      const response = await signIn(wrong);
      const body = await expectForm(response, 401);
      expect(body).toContain("not the admin token");
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(logs.events("admin.sign_in_refused")).toHaveLength(4);
  });

  it("answers the token with a 303 to /admin and a cookie that opens the dashboard and holds no token", async () => {
    const response = await signIn();
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin");
    const attributes = cookieAttributes(response);
    expect(attributes.has("httponly")).toBe(true);
    expect(attributes.get("samesite")).toBe("Strict");
    expect(attributes.get("path")).toBe("/admin");
    expect(Number(attributes.get("max-age"))).toBeGreaterThan(0);
    expect(Number(attributes.get("max-age"))).toBeLessThanOrEqual(24 * 60 * 60);
    expect(attributes.has("secure")).toBe(false);

    const dashboard = await adminPage(cookieSet(response));
    const body = await dashboard.text();
    expect(dashboard.status).toBe(200);
    expectLockedDown(dashboard);
    const { report } = await readStatus();
    expect(body).toContain(report.config.revision);
    expect(body).toContain("Upstreams");
    expect(body).toMatch(/<meta http-equiv="refresh" content="\d+"/);
    expect(body).not.toMatch(/<script/i);
  });

  it("takes a sign-in whose Origin the page's no-referrer policy hid, when Sec-Fetch-Site says same-origin", async () => {
    // What Chromium sends for the form under Referrer-Policy: no-referrer.
    const response = await signIn(token(), { origin: "null", "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(303);
    cookieSet(response);
  });

  it("marks the cookie Secure when the page is served over https", async () => {
    const https = "https://gateway.test";
    const response = await signIn(token(), { origin: https, "sec-fetch-site": "same-origin" }, https);
    expect(response.status).toBe(303);
    expect(cookieAttributes(response).has("secure")).toBe(true);
  });

  it("refuses the token sent other than as the form's field", async () => {
    const asJson = await adminFetch("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/json", ...SAME_SITE },
      body: JSON.stringify({ token: token() }),
    });
    expect(asJson.status).toBe(401);
    const asBearer = await adminFetch("/admin", { headers: { authorization: `Bearer ${token()}` } });
    await expectForm(asBearer);
    const asQuery = await adminFetch(`/admin?token=${encodeURIComponent(token())}`);
    await expectForm(asQuery);
  });
});

describe("the /admin cookie", () => {
  const now = () => Date.now();
  const pair = (setCookie: string) => setCookie.split(";")[0]!;

  it.each([
    ["made up", () => `${ADMIN_COOKIE}=9999999999.${"A".repeat(43)}`],
    ["the token itself", () => `${ADMIN_COOKIE}=${token()}`],
    ["expired", async () => pair(await signInCookie(token(), now() - 9 * 60 * 60 * 1000, false))],
    ["signed for a time far ahead", async () => pair(await signInCookie(token(), now() + 30 * 86_400_000, false))],
    ["signed with another token", async () => pair(await signInCookie("another-admin-token", now(), false))],
  ])("refuses a cookie that is %s, and clears it", async (_what, make) => {
    const response = await adminPage(await make());
    const body = await expectForm(response);
    expect(body).toContain("Sign in again");
    expect(cookieAttributes(response).get("max-age")).toBe("0");
  });

  it("refuses a signed cookie whose expiry was changed", async () => {
    const [name, value] = cookieSet(await signIn()).split("=") as [string, string];
    const [expires, signature] = value.split(".") as [string, string];
    await expectForm(await adminPage(`${name}=${Number(expires) + 3600}.${signature}`));
    expect((await adminPage(`${name}=${value}`)).status).toBe(200);
  });

  it("signs out: the cookie is cleared and the form is back", async () => {
    const cookie = cookieSet(await signIn());
    const response = await adminFetch("/admin/logout", { method: "POST", headers: { cookie, ...SAME_SITE } });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin");
    expect(cookieSet(response)).toBe(`${ADMIN_COOKIE}=`);
    expect(cookieAttributes(response).get("max-age")).toBe("0");
    await expectForm(await adminPage());
  });
});

describe("posts from other sites", () => {
  it.each([
    ["another origin", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }],
    ["another site, Origin hidden", { origin: "null", "sec-fetch-site": "cross-site" }],
    ["an opaque origin", { origin: "null" }],
    ["a sibling site", { origin: GATEWAY_ORIGIN, "sec-fetch-site": "same-site" }],
    ["another origin, no Sec-Fetch-Site", { origin: "http://gateway.test.evil.example" }],
  ])("refuses a sign-in or sign-out from %s with 403, setting no cookie", async (_what, headers) => {
    const signInResponse = await signIn(token(), headers);
    expect(signInResponse.status).toBe(403);
    expect(signInResponse.headers.get("set-cookie")).toBeNull();
    expectLockedDown(signInResponse);
    const signOut = await adminFetch("/admin/logout", { method: "POST", headers });
    expect(signOut.status).toBe(403);
    expect(signOut.headers.get("set-cookie")).toBeNull();
  });
});

describe("/admin without ADMIN_TOKEN", () => {
  it("answers 403 with how to set it, and takes no sign-in", async () => {
    const unset = { ...env, ADMIN_TOKEN: undefined };
    for (const init of [{}, { method: "POST", headers: SAME_SITE, body: new URLSearchParams({ token: "" }) }]) {
      const path = "method" in init ? "/admin/login" : "/admin";
      const ctx = createExecutionContext();
      const response = await app.request(`${GATEWAY_ORIGIN}${path}`, init, unset, ctx);
      await waitOnExecutionContext(ctx);
      const body = await response.text();
      expect(response.status, path).toBe(403);
      expect(body).toContain("wrangler secret put ADMIN_TOKEN");
      expect(response.headers.get("set-cookie")).toBeNull();
    }
  });
});

describe("/admin routes", () => {
  it("answers other methods with 405 and bent paths with 404", async () => {
    for (const [method, path] of [
      ["POST", "/admin"],
      ["DELETE", "/admin"],
      ["GET", "/admin/login"],
      ["GET", "/admin/logout"],
    ]) {
      expect((await adminFetch(path!, { method })).status, `${method} ${path}`).toBe(405);
    }
    for (const path of ["/admin/", "/admin/x", "/ADMIN"]) expect((await adminFetch(path)).status, path).toBe(404);
  });

  it("shows what the configuration holds as text, never as markup", async () => {
    await seedConfig({ servers: { bad: { url: "http://127.0.0.1:1/mcp", "<img src=x onerror=alert(1)>": 1 } } });
    const body = await (await adminPage(cookieSet(await signIn()))).text();
    expect(body).toContain("server:bad");
    expect(body).not.toContain("<img");
    expect(body).toContain("&lt;img");
  });
});
