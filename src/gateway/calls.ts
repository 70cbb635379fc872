// The handlers of requests routed to one upstream (tools/call, prompts/get,
// resources/read and subscriptions, completion/complete) and of those the gateway
// answers for the aggregate (logging/setLevel, server/discover). Each resolves its target
// through the view and policy stages (targets.ts), counts against the rate limits, and
// forwards (forward.ts).
import { errors } from "../mcp/errors.js";
import { META } from "../mcp/eras.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { MODERN_PROTOCOL_VERSIONS } from "../mcp/versions.js";
import { countRequest, result, type Answer, type Call, type Params } from "./call.js";
import { advertisedCapabilities } from "./capabilities.js";
import { instructionsFor } from "./instructions.js";
import { runMetaTool } from "./discovery.js";
import { exposureFor } from "./exposure.js";
import { forward, forwardQuietly } from "./forward.js";
import { isMetaTool } from "./meta-tools.js";
import { settleWithin } from "./settle-within.js";
import { guard, refuseAmbiguousPath, resolveName, resolveUri, templateOwner } from "./targets.js";

export async function callNamed(kind: "tools" | "prompts", call: Call, params: Params): Promise<Answer> {
  const method = call.request.method;
  const name = params["name"];
  if (typeof name !== "string" || name === "") throw errors.invalidParams(`${method} needs a 'name'`);
  if (kind === "tools" && isMetaTool(name) && exposureFor(call.ctx.snapshot, call.ctx.identity).mode !== "direct")
    return runMetaTool(name, call, params);
  let resolved: Awaited<ReturnType<typeof resolveName>>;
  try {
    resolved = await resolveName(kind, name, call.ctx);
  } catch (error) {
    // A call that names no callable tool still counts against the agent's request limit.
    if (kind === "tools") await countRequest(call);
    throw error;
  }
  if (resolved.kind === "handed-over") return resolved;
  const { upstream, original } = resolved.target;
  if (kind === "tools") await countRequest(call, { server: upstream.server.name, name: original });
  return forward(call, method, upstream, { ...params, name: original }, { kind, name: original });
}

export async function callByUri(call: Call, params: Params): Promise<Answer> {
  const method = call.request.method;
  const uri = params["uri"];
  if (typeof uri !== "string" || uri === "") throw errors.invalidParams(`${method} needs a 'uri'`);
  refuseAmbiguousPath(uri);
  const resolved = await resolveUri(uri, call.ctx);
  if (resolved.kind === "handed-over") return resolved;
  guard("resources", resolved.target.server.name, uri, call.ctx);
  return forward(call, method, resolved.target, params, { kind: "resources", uri });
}

export async function complete(call: Call, params: Params): Promise<Answer> {
  const ref = params["ref"];
  if (typeof ref !== "object" || ref === null) throw errors.invalidParams("completion/complete needs a 'ref'");
  const { type, name, uri } = ref as Params;
  if (type === "ref/prompt" && typeof name === "string") {
    const resolved = await resolveName("prompts", name, call.ctx);
    if (resolved.kind === "handed-over") return resolved;
    const { upstream, original } = resolved.target;
    const forwarded = { ...params, ref: { ...ref, name: original } };
    return forward(call, "completion/complete", upstream, forwarded, { kind: "prompts", name: original });
  }
  if (type === "ref/resource" && typeof uri === "string") {
    refuseAmbiguousPath(uri);
    const owner = await templateOwner(uri, call.ctx);
    if (owner.kind === "handed-over") return owner;
    const resolved = owner.target ? owner : await resolveUri(uri, call.ctx);
    if (resolved.kind === "handed-over") return resolved;
    const upstream = resolved.target!;
    guard("resources", upstream.server.name, uri, call.ctx);
    return forward(call, "completion/complete", upstream, params, { kind: "resources", uri });
  }
  throw errors.invalidParams("ref must be a ref/prompt with a name or a ref/resource with a uri");
}

/** Sets the level on every visible upstream that logs; one failing upstream does not fail the call. */
export async function setLogLevel(call: Call, params: Params): Promise<Answer> {
  const level = params["level"];
  if (typeof level !== "string") throw errors.invalidParams("logging/setLevel needs a 'level'");
  call.ctx.session.setLogLevel(level);
  await Promise.allSettled(
    call.ctx.upstreams.map(async (upstream) => {
      const state = await upstream.describe();
      // Current-era upstreams take the level with each request instead.
      if (state?.era === "legacy" && state.capabilities["logging"] !== undefined)
        await forwardQuietly(call, "logging/setLevel", upstream, { level });
    }),
  );
  return result({});
}

/**
 * `server/discover` for the aggregate this principal sees: the current revision, and what
 * its visible upstreams can do together. Upstreams that do not answer within the list
 * deadline are left out.
 */
export async function discover(call: Call): Promise<Answer> {
  const { upstreams, snapshot, background } = call.ctx;
  const describing = upstreams.map((upstream) => upstream.describe());
  for (const pending of describing) background(pending.catch(() => undefined));
  const described = await settleWithin(describing, snapshot.settings.listDeadlineMs);
  const capabilities = described.flatMap((state) => (state ? [state.capabilities] : []));
  const instructions = instructionsFor(call.ctx, described);
  return result({
    supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
    capabilities: advertisedCapabilities(capabilities),
    ...(instructions !== undefined ? { instructions } : {}),
    ttlMs: 0,
    cacheScope: "private",
    _meta: { [META.serverInfo]: GATEWAY_INFO },
  });
}
