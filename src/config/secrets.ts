// Resolves `${NAME}` references in registration header values against the Worker's
// secrets and vars. It returns values, never logs them; a missing one is named, not shown.

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type ResolvedHeaders =
  { ok: true; headers: Record<string, string>; secretValues: string[] } | { ok: false; missing: string[] };

export function resolveHeaderSecrets(headers: Record<string, string>, env: Record<string, unknown>): ResolvedHeaders {
  const missing = new Set<string>();
  const secretValues = new Set<string>();
  const resolved: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers)) {
    resolved[name] = template.replace(REFERENCE, (_whole, variable: string) => {
      const value = Object.hasOwn(env, variable) ? env[variable] : undefined;
      if (typeof value !== "string") {
        missing.add(variable);
        return "";
      }
      secretValues.add(value);
      return value;
    });
  }
  return missing.size > 0
    ? { ok: false, missing: [...missing].sort() }
    : { ok: true, headers: resolved, secretValues: [...secretValues] };
}
