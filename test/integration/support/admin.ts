// A browser's view of /admin in the tests: requests that carry what a browser sends with a
// form of the page (Origin, Sec-Fetch-Site), the sign-in, and the cookie it sets. Every
// response the helpers see is kept, so a test can check that the token is in none of them.
import { exports } from "cloudflare:workers";
import { inject } from "vitest";
import { GATEWAY_ORIGIN } from "./client.js";

export const ADMIN_COOKIE = "gateway_admin";

/** What a browser sends along with a form posted from the gateway's own page. */
export const SAME_SITE = { origin: GATEWAY_ORIGIN, "sec-fetch-site": "same-origin" };

/** A response as the browser got it (redirects are in its headers, as Location). */
export interface Seen {
  status: number;
  headers: string;
  body: string;
}

/** Every response seen through adminFetch, with its headers and body as text. */
export const seen: Seen[] = [];

/** A request to the Worker as a browser makes it: no Authorization header. */
export async function adminFetch(path: string, init: RequestInit = {}, origin = GATEWAY_ORIGIN): Promise<Response> {
  const response = await exports.default.fetch(new Request(`${origin}${path}`, { redirect: "manual", ...init }));
  const body = await response.text();
  const headers = JSON.stringify([...response.headers]);
  seen.push({ status: response.status, headers, body });
  return new Response(response.status === 204 || response.status === 304 ? null : body, response);
}

/** POSTs the sign-in form with this token, from the page itself unless `headers` say otherwise. */
export function signIn(token = inject("adminToken"), headers: Record<string, string> = SAME_SITE, origin?: string) {
  return adminFetch(
    "/admin/login",
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ token }).toString(),
    },
    origin,
  );
}

/** The name=value part of the admin cookie a response sets; fails the test when there is none. */
export function cookieSet(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  const pair = header.split(";")[0]!.trim();
  if (!pair.startsWith(`${ADMIN_COOKIE}=`)) throw new Error(`no ${ADMIN_COOKIE} cookie set: '${header}'`);
  return pair;
}

/** The attributes of the admin cookie a response sets, lower-cased names: Max-Age, Path, HttpOnly… */
export function cookieAttributes(response: Response): Map<string, string> {
  const parts = (response.headers.get("set-cookie") ?? "").split(";").slice(1);
  return new Map(
    parts.map((part) => {
      const [name, ...value] = part.trim().split("=");
      return [name!.toLowerCase(), value.join("=")] as [string, string];
    }),
  );
}

/** GET /admin with this cookie (name=value), as the browser sends it. */
export function adminPage(cookie?: string): Promise<Response> {
  return adminFetch("/admin", cookie === undefined ? {} : { headers: { cookie } });
}
