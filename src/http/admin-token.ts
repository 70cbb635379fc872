// The ADMIN_TOKEN Worker secret that opens /status and /admin: whether a token sent is it,
// compared by hash in constant time. Reading the token from a header or a form, and what
// to answer, are each endpoint's business.
import { constantTimeEqual } from "../auth/api-key.js";
import { sha256Hex } from "../observe/hash.js";

/** How an operator sets the secret, for the answers that say it is missing. */
export const ADMIN_TOKEN_HOW_TO =
  "set the ADMIN_TOKEN secret (wrangler secret put ADMIN_TOKEN; locally, ADMIN_TOKEN=… in .dev.vars)";

/** Whether `sent` is the admin token `expected`; false for anything not a string. */
export async function isAdminToken(expected: string, sent: unknown): Promise<boolean> {
  const text = typeof sent === "string" ? sent : "";
  // Hashes have one length whatever was sent, so the comparison takes the same time.
  const [sentHash, wanted] = await Promise.all([sha256Hex(text), sha256Hex(expected)]);
  return typeof sent === "string" && constantTimeEqual(sentHash, wanted);
}
