// Exact rate limiting: `limit` requests fit in a window (at once or spread), the next is
// told exactly when it fits, and a request is counted against all its buckets or none.
import { describe, expect, it } from "vitest";
import { admit, type Bucket } from "../../src/ratelimit/gcra.js";

const bucket = (key: string, limit: number, windowMs: number): Bucket => ({
  key,
  limit,
  windowMs,
  what: key,
  scope: "agent",
  agent: "a",
});

function store() {
  const tats = new Map<string, number>();
  return {
    take(buckets: Bucket[], now: number) {
      const verdict = admit(buckets, (key) => tats.get(key), now);
      if (verdict.allowed) for (const [key, tat] of verdict.updates) tats.set(key, tat);
      return verdict;
    },
  };
}

describe("admit (GCRA)", () => {
  it("admits `limit` requests at once, then refuses the next with the exact wait", () => {
    const s = store();
    const b = [bucket("x", 3, 3000)];
    expect([0, 0, 0].map((t) => s.take(b, t).allowed)).toEqual([true, true, true]);
    expect(s.take(b, 0)).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    expect(s.take(b, 999).allowed).toBe(false);
    expect(s.take(b, 1000).allowed).toBe(true);
  });

  it("admits a steady rate of limit per window forever", () => {
    const s = store();
    const b = [bucket("x", 2, 1000)];
    for (let t = 0; t < 10_000; t += 500) expect(s.take(b, t).allowed).toBe(true);
  });

  it("forgets bursts once a window has passed", () => {
    const s = store();
    const b = [bucket("x", 2, 1000)];
    s.take(b, 0);
    s.take(b, 0);
    expect(s.take(b, 1000).allowed).toBe(true);
    expect(s.take(b, 1000).allowed).toBe(true);
    expect(s.take(b, 1000).allowed).toBe(false);
  });

  it("counts a request against every bucket or none: a full bucket refuses without using the others", () => {
    const s = store();
    const agent = bucket("agent", 10, 1000);
    const tool = bucket("tool", 1, 1000);
    expect(s.take([agent, tool], 0).allowed).toBe(true);
    const refused = s.take([agent, tool], 0);
    expect(refused).toMatchObject({ allowed: false, bucket: { key: "tool" } });
    // Had the refused request used the agent bucket, only 8 would fit now.
    for (let i = 0; i < 9; i++) expect(s.take([agent], 0).allowed).toBe(true);
    expect(s.take([agent], 0).allowed).toBe(false);
  });
});
