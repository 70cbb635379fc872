// Waiting for many upstreams at once, each only up to a deadline: what settled in time,
// and nothing for the rest (their work goes on, in the caller's background if it needs to).
// The timer is cleared as soon as everything settled, so a finished wait holds nothing
// open (a pending timer keeps a Durable Object busy).

export async function settleWithin<T>(
  work: ReadonlyArray<Promise<T>>,
  deadlineMs: number,
): Promise<Array<T | undefined>> {
  const settled: Array<T | undefined> = work.map(() => undefined);
  const all = Promise.all(
    work.map((promise, i) =>
      promise.then(
        (value) => void (settled[i] = value),
        () => undefined,
      ),
    ),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
  await Promise.race([all, deadline]).finally(() => clearTimeout(timer));
  return [...settled];
}
