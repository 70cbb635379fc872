// What a client is told about the aggregate (initialize's and server/discover's
// `instructions`): the gateway's own (the virtual server's, else settings'), then each
// visible upstream's, labelled by server, in name order. A registration may give its own
// text instead of its upstream's, or none; a virtual server may leave the upstreams' out.
// Upstreams that were not described in time give what an earlier session learned of them.
import type { UpstreamState } from "../upstream/link.js";
import type { CallContext } from "./context.js";

/** Instructions learned per registration fingerprint, for upstreams slow to answer. */
const learned = new Map<string, string | undefined>();

export function instructionsFor(
  ctx: CallContext,
  described: ReadonlyArray<UpstreamState | undefined>,
): string | undefined {
  const { snapshot, identity, upstreams } = ctx;
  const vs = identity.virtualServer === undefined ? undefined : snapshot.virtualServers.get(identity.virtualServer);
  const parts: string[] = [];
  const own = vs?.instructions ?? snapshot.settings.instructions;
  if (own !== undefined && own.trim() !== "") parts.push(own.trim());
  if (vs?.upstreamInstructions === false) return parts.length > 0 ? parts.join("\n\n") : undefined;
  upstreams.forEach((upstream, i) => {
    const { name, fingerprint, registration } = upstream.server;
    const state = described[i];
    if (state) learned.set(fingerprint, state.instructions);
    const configured = registration.instructions;
    const text =
      configured === false ? undefined : (configured ?? (state ? state.instructions : learned.get(fingerprint)));
    if (text !== undefined && text.trim() !== "") parts.push(`## ${name}\n${text.trim()}`);
  });
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}
