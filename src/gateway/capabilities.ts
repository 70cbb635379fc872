// What the gateway advertises to a client at initialize: the union of what its
// upstreams can do. Pure. `listChanged` and `resources.subscribe` are not advertised
// until the gateway relays upstream notifications: a client would wait for updates that
// never come. resources/subscribe is still routed for clients that call it anyway.

type Capabilities = Record<string, unknown>;

/** Capabilities seen per registration fingerprint, for upstreams slow to answer initialize. */
const seen = new Map<string, Capabilities>();

export function rememberCapabilities(fingerprint: string, capabilities: Capabilities): void {
  seen.set(fingerprint, capabilities);
}

export function rememberedCapabilities(fingerprint: string): Capabilities | undefined {
  return seen.get(fingerprint);
}

export function unionCapabilities(upstreams: readonly Capabilities[]): Capabilities {
  const has = (name: string) => upstreams.some((c) => c[name] !== undefined && c[name] !== null);
  const union: Capabilities = { tools: {} };
  if (has("prompts")) union["prompts"] = {};
  if (has("resources")) union["resources"] = {};
  if (has("completions")) union["completions"] = {};
  if (has("logging")) union["logging"] = {};
  return union;
}
