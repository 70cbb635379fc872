// What a new 2025 session advertises at initialize: the union of what the upstreams its
// principal may see can do, and their instructions (gateway/instructions.ts). Each is
// initialized for the session (and no other), waiting up to settings.listDeadlineMs; for
// one slower than that, what earlier sessions learned.
import { advertisedCapabilities, rememberCapabilities, rememberedCapabilities } from "../gateway/capabilities.js";
import type { CallContext } from "../gateway/context.js";
import { instructionsFor } from "../gateway/instructions.js";
import { settleWithin } from "../gateway/settle-within.js";
import { log } from "../observe/log.js";
import { toGatewayError } from "../wire/responses.js";

export async function describeAtInitialize(
  ctx: CallContext,
): Promise<{ capabilities: Record<string, unknown>; instructions: string | undefined }> {
  const describing = ctx.upstreams.map(async (upstream) => {
    try {
      const state = await upstream.describe();
      if (state) rememberCapabilities(upstream.server.fingerprint, state.capabilities);
      return state;
    } catch (error) {
      log("warn", "upstream.initialize_failed", {
        server: upstream.server.name,
        reason: toGatewayError(error).message,
      });
      return undefined;
    }
  });
  // A late upstream's session is still opened for this client session, in the background.
  for (const pending of describing) ctx.background(pending);
  const described = await settleWithin(describing, ctx.snapshot.settings.listDeadlineMs);
  const known = ctx.upstreams.flatMap((upstream, i): Array<Record<string, unknown>> => {
    const capabilities = described[i]?.capabilities ?? rememberedCapabilities(upstream.server.fingerprint);
    return capabilities ? [capabilities] : [];
  });
  return { capabilities: advertisedCapabilities(known, true), instructions: instructionsFor(ctx, described) };
}
