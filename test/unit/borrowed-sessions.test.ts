import { afterEach, describe, expect, it, vi } from "vitest";
import { BorrowedSessions, FRESH_MS } from "../../src/session/borrowed-sessions.js";

afterEach(() => vi.restoreAllMocks());

describe("the Worker's borrowed sessions", () => {
  it("asks the owner once while the description is fresh, and again once it is not", async () => {
    const clock = vi.spyOn(Date, "now").mockReturnValue(1_000_000);
    const sessions = new BorrowedSessions<string>();
    const ask = vi.fn(async () => "state");
    expect(await sessions.borrow("s1", "agent-a", ask)).toBe("state");
    expect(await sessions.borrow("s1", "agent-a", ask)).toBe("state");
    expect(ask).toHaveBeenCalledTimes(1);
    clock.mockReturnValue(1_000_000 + FRESH_MS);
    await sessions.borrow("s1", "agent-a", ask);
    expect(ask).toHaveBeenCalledTimes(2);
  });

  it("never lends one borrower's description to another: the owner is asked for each", async () => {
    const sessions = new BorrowedSessions<string>();
    await sessions.borrow("s1", "agent-a", async () => "a's");
    const other = vi.fn(async () => null);
    expect(await sessions.borrow("s1", "agent-b", other)).toBeNull();
    expect(other).toHaveBeenCalledTimes(1);
  });

  it("shares one question among concurrent borrowers", async () => {
    const sessions = new BorrowedSessions<string>();
    let answer!: (value: string) => void;
    const ask = vi.fn(() => new Promise<string>((resolve) => (answer = resolve)));
    const both = Promise.all([sessions.borrow("s1", "a", ask), sessions.borrow("s1", "a", ask)]);
    answer("state");
    expect(await both).toEqual(["state", "state"]);
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it("asks again after the description was forgotten, and drops one the owner no longer lends", async () => {
    const sessions = new BorrowedSessions<string>();
    const ask = vi.fn(async () => "state");
    await sessions.borrow("s1", "a", ask);
    sessions.forget("s1");
    await sessions.borrow("s1", "a", ask);
    expect(ask).toHaveBeenCalledTimes(2);
    sessions.forget("s1");
    expect(await sessions.borrow("s1", "a", async () => null)).toBeNull();
    expect(await sessions.borrow("s1", "a", ask)).toBe("state");
    expect(ask).toHaveBeenCalledTimes(3);
  });
});
