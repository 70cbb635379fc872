import { describe, expect, it } from "vitest";
import { admit, LEASE_GRACE_MS, release, renew, type Leases } from "../../src/session/session-leases.js";

const MINUTE = 60_000;
const now = Date.parse("2026-11-21T12:00:00Z");

function holding(count: number, until = now + 60 * MINUTE): Leases {
  return new Map(Array.from({ length: count }, (_, i) => [`s${i}`, until]));
}

describe("session leases", () => {
  it("admit sessions up to the cap, then refuse and say how many are held", () => {
    const leases = holding(2);
    expect(admit(leases, "s2", now + 60 * MINUTE, 3, now)).toEqual({ admitted: true });
    expect(admit(leases, "s3", now + 60 * MINUTE, 3, now)).toEqual({ admitted: false, held: 3 });
    expect(leases.size).toBe(3);
  });

  it("free a place when a session ends", () => {
    const leases = holding(3);
    release(leases, "s1");
    expect(admit(leases, "new", now + 60 * MINUTE, 3, now)).toEqual({ admitted: true });
  });

  it("keep counting a lease for the grace after its end, and drop it after that", () => {
    const leases = holding(3, now);
    expect(admit(leases, "new", now + 60 * MINUTE, 3, now + LEASE_GRACE_MS - 1).admitted).toBe(false);
    expect(admit(leases, "new", now + 60 * MINUTE, 3, now + LEASE_GRACE_MS)).toEqual({ admitted: true });
    expect([...leases.keys()]).toEqual(["new"]);
  });

  it("keep a renewed session counted, and count again a live one whose lease had lapsed", () => {
    const leases = holding(2, now);
    renew(leases, "s0", now + 2 * LEASE_GRACE_MS, now + LEASE_GRACE_MS);
    expect([...leases.keys()]).toEqual(["s0"]);
    renew(leases, "s1", now + 3 * LEASE_GRACE_MS, now + LEASE_GRACE_MS);
    expect(admit(leases, "s2", now + 60 * MINUTE, 2, now + LEASE_GRACE_MS)).toEqual({ admitted: false, held: 2 });
  });

  it("never shorten a lease when renewals arrive out of order", () => {
    const leases = holding(1, now + 30 * MINUTE);
    renew(leases, "s0", now + 10 * MINUTE, now);
    expect(leases.get("s0")).toBe(now + 30 * MINUTE);
  });
});
