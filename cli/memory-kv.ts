// Just enough of KVNamespace for loadSnapshot: list by prefix and bulk get, over a plain object
// (mcpgw reads a config folder through it; unit tests use it too).

export function memoryKv(entries: Record<string, string>): KVNamespace {
  const kv = {
    async list({ prefix = "" }: { prefix?: string }) {
      const keys = Object.keys(entries)
        .filter((k) => k.startsWith(prefix))
        .sort()
        .map((name) => ({ name }));
      return { keys, list_complete: true, cacheStatus: null };
    },
    async get(keys: string[]) {
      return new Map(keys.map((k) => [k, entries[k] ?? null]));
    },
  };
  return kv as unknown as KVNamespace;
}
