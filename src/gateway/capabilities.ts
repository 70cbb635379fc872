// What the gateway advertises to a client at initialize: the union of what its
// upstreams can do. Pure. `listChanged` is not advertised until the gateway relays
// list_changed notifications.

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
  if (has("resources")) {
    const subscribe = upstreams.some(
      (c) => (c["resources"] as { subscribe?: unknown } | undefined)?.subscribe === true,
    );
    union["resources"] = subscribe ? { subscribe: true } : {};
  }
  if (has("completions")) union["completions"] = {};
  if (has("logging")) union["logging"] = {};
  return union;
}
