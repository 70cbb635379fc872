import { describe, expect, it } from "vitest";
import { bearerToken, checkApiKey } from "../../src/auth/api-key.js";
import { sha256Hex } from "../../src/observe/hash.js";
import type { ConfigSnapshot } from "../../src/config/snapshot.js";
import type { ApiKey } from "../../src/config/schemas.js";

async function snapshotWith(keys: Record<string, ApiKey>): Promise<ConfigSnapshot> {
  const apiKeys = new Map<string, ApiKey>();
  for (const [raw, record] of Object.entries(keys)) apiKeys.set(await sha256Hex(raw), record);
  return { apiKeys } as unknown as ConfigSnapshot;
}

const now = Date.parse("2026-11-21T12:00:00Z");

describe("checkApiKey", () => {
  it("accepts a stored key and names its agent and hash", async () => {
    const check = await checkApiKey("k1", await snapshotWith({ k1: { agent: "a" } }), now);
    expect(check).toEqual({ ok: true, hash: await sha256Hex("k1"), record: { agent: "a" } });
  });

  it("refuses unknown and expired keys alike", async () => {
    const snapshot = await snapshotWith({ old: { agent: "a", expiresAt: "2026-11-21T11:59:59Z" } });
    expect(await checkApiKey("unknown", snapshot, now)).toEqual({ ok: false });
    expect(await checkApiKey("old", snapshot, now)).toEqual({ ok: false });
  });

  it("accepts a key until its expiry", async () => {
    const snapshot = await snapshotWith({ k: { agent: "a", expiresAt: "2026-11-21T12:00:01Z" } });
    expect((await checkApiKey("k", snapshot, now)).ok).toBe(true);
  });
});

describe("bearerToken", () => {
  it.each([
    [undefined, undefined],
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["Bearer  abc ", "abc"],
    ["Basic abc", null],
    ["Bearer", null],
    ["Bearer a b", null],
    ["Bearer " + "x".repeat(5000), null],
  ])("reads %s as %s", (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
