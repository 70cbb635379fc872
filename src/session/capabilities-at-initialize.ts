// What a new 2025 session advertises at initialize: the union of what the upstreams its
// principal may see can do. Each is initialized for the session (and no other), waiting
// up to INITIALIZE_WAIT_MS; for one slower than that, what earlier sessions learned.
import { advertisedCapabilities, rememberCapabilities, rememberedCapabilities } from "../gateway/capabilities.js";
import type { Upstream } from "../gateway/upstreams.js";
import { log } from "../observe/log.js";
import { toGatewayError } from "../wire/responses.js";

/** How long initialize waits for upstreams to describe themselves before answering. */
const INITIALIZE_WAIT_MS = 3000;

export async function discoverCapabilities(upstreams: readonly Upstream[]): Promise<Record<string, unknown>> {
  const known = new Map<string, Record<string, unknown>>();
  const opening = upstreams.map(async (upstream) => {
    try {
      const state = await upstream.describe();
      if (!state) return;
      rememberCapabilities(upstream.server.fingerprint, state.capabilities);
      known.set(upstream.server.name, state.capabilities);
    } catch (error) {
      log("warn", "upstream.initialize_failed", {
        server: upstream.server.name,
        reason: toGatewayError(error).message,
      });
    }
  });
  // Cancel the wait once every upstream answered: a pending timer keeps the object busy
  // (eviction and hibernation wait for it) for the full INITIALIZE_WAIT_MS.
  const wait = cancellableSleep(INITIALIZE_WAIT_MS);
  await Promise.race([Promise.all(opening), wait.done]).finally(wait.cancel);
  for (const upstream of upstreams) {
    const remembered = known.has(upstream.server.name)
      ? undefined
      : rememberedCapabilities(upstream.server.fingerprint);
    if (remembered) known.set(upstream.server.name, remembered);
  }
  return advertisedCapabilities([...known.values()]);
}

function cancellableSleep(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(timer) };
}
