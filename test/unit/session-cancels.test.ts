import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionCancels } from "../../src/session/session-cancels.js";

afterEach(() => vi.useRealTimers());

describe("SessionCancels", () => {
  it("aborts a request the object runs", () => {
    const cancels = new SessionCancels();
    const running = cancels.start(7);
    cancels.cancel(7);
    expect(running.signal.aborted).toBe(true);
  });

  it("tells a watching Worker, and tells it false once released", async () => {
    const cancels = new SessionCancels();
    const first = cancels.watch("a");
    cancels.cancel("a");
    await expect(first).resolves.toBe(true);
    const second = cancels.watch("b");
    cancels.release("b");
    await expect(second).resolves.toBe(false);
  });

  it("remembers a cancellation that found nothing, for a watch or a start that comes later", async () => {
    const cancels = new SessionCancels();
    cancels.cancel("late");
    await expect(cancels.watch("late")).resolves.toBe(true);
    cancels.cancel(3);
    expect(cancels.start(3).signal.aborted).toBe(true);
    // Used once: the same id later is a new request.
    expect(cancels.start(3).signal.aborted).toBe(false);
  });

  it("forgets a remembered cancellation after a minute", async () => {
    vi.useFakeTimers();
    const cancels = new SessionCancels();
    cancels.cancel("old");
    vi.advanceTimersByTime(61_000);
    const watched = cancels.watch("old");
    cancels.release("old");
    await expect(watched).resolves.toBe(false);
  });

  it("keeps at most 256 remembered cancellations, dropping the oldest", () => {
    const cancels = new SessionCancels();
    for (let id = 0; id < 300; id++) cancels.cancel(id);
    expect(cancels.start(0).signal.aborted).toBe(false);
    expect(cancels.start(299).signal.aborted).toBe(true);
  });

  it("tells every watcher false and aborts everything when the session ends", async () => {
    const cancels = new SessionCancels();
    const running = cancels.start(1);
    const watched = cancels.watch(2);
    cancels.stopAll();
    expect(running.signal.aborted).toBe(true);
    await expect(watched).resolves.toBe(false);
  });

  it("does not let an id's number and string forms stand for each other", () => {
    const cancels = new SessionCancels();
    cancels.cancel("1");
    expect(cancels.start(1).signal.aborted).toBe(false);
  });
});
