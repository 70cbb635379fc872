// `mcpgw import`: the MCP configuration people already have, as gateway entries. Reads the
// `mcpServers` of Claude Code's `.mcp.json`, Claude Desktop's config, Cursor's `mcp.json`
// and agent-mcp-gateway's `.mcp.json` (or the `servers` of VS Code's `mcp.json`), and the
// per-agent rules of agent-mcp-gateway's `.mcp-gateway-rules.json`. Remote servers
// (Streamable HTTP, or the HTTP+SSE transport, which the gateway finds by itself; also a
// Claude Desktop entry that runs `mcp-remote <url>`) become `server:<name>`; header values
// that are credentials become `${NAME}` references to Worker secrets, with the `wrangler
// secret put` commands to run; rules become `agent:<name>`. Every entry is checked with the
// gateway's own schemas. Servers the gateway cannot reach (local stdio commands) are skipped,
// with the reason.
import { readFileSync } from "node:fs";
import { AgentRulesSchema, NameSchema, ServerRegistrationSchema } from "../src/config/schemas.js";

export interface KvEntry {
  key: string;
  value: string;
}

export interface Imported {
  /** For `wrangler kv bulk put`. */
  entries: KvEntry[];
  /** What was changed on the way, skipped, or must be done by hand (secrets). */
  notes: string[];
  /** `wrangler secret put` commands for the secrets the entries reference. */
  secrets: string[];
}

type Json = Record<string, unknown>;

export function importConfig(mcpPath: string, rulesPath?: string): Imported {
  const imported: Imported = { entries: [], notes: [], secrets: [] };
  const config = readJson(mcpPath);
  const servers = asObject(config["mcpServers"] ?? config["servers"]);
  if (Object.keys(servers).length === 0) throw new Error(`${mcpPath}: no 'mcpServers' (or 'servers') to import`);
  const names = new Map<string, string>();
  for (const [original, entry] of Object.entries(servers)) {
    const name = gatewayName(original);
    if (name !== original) imported.notes.push(`server '${original}' is named '${name}' here (gateway names)`);
    names.set(original, name);
    importServer(imported, name, asObject(entry));
  }
  if (rulesPath !== undefined) importRules(imported, readJson(rulesPath), names);
  return imported;
}

function importServer(imported: Imported, name: string, entry: Json): void {
  const remote = remoteOf(entry);
  if (!remote) {
    const command = typeof entry["command"] === "string" ? ` (${entry["command"]})` : "";
    imported.notes.push(
      `skipped server '${name}': a local stdio command${command}; the gateway reaches remote MCP servers over HTTP`,
    );
    return;
  }
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(remote.headers)) {
    headers[header] = secretReference(imported, name, header, value);
  }
  const registration = { url: remote.url, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  const checked = ServerRegistrationSchema.safeParse(registration);
  if (!checked.success) {
    imported.notes.push(`skipped server '${name}': ${checked.error.issues.map((i) => i.message).join("; ")}`);
    return;
  }
  imported.entries.push({ key: `server:${name}`, value: JSON.stringify(registration) });
}

/** The URL and headers of a remote server: given directly, or as `mcp-remote <url> --header 'Name: value'`. */
function remoteOf(entry: Json): { url: string; headers: Record<string, string> } | undefined {
  if (typeof entry["url"] === "string") {
    const headers = Object.fromEntries(
      Object.entries(asObject(entry["headers"])).filter(
        (pair): pair is [string, string] => typeof pair[1] === "string",
      ),
    );
    return { url: entry["url"], headers };
  }
  const args = Array.isArray(entry["args"]) ? entry["args"].filter((a): a is string => typeof a === "string") : [];
  if (!args.some((arg) => arg === "mcp-remote" || arg.startsWith("mcp-remote@"))) return undefined;
  const url = args.find((arg) => /^https?:\/\//.test(arg));
  if (!url) return undefined;
  const headers: Record<string, string> = {};
  args.forEach((arg, i) => {
    const pair = arg === "--header" ? args[i + 1] : undefined;
    const colon = pair?.indexOf(":") ?? -1;
    if (pair && colon > 0) headers[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  });
  return { url, headers: expandEnv(headers, asObject(entry["env"])) };
}

/**
 * mcp-remote's `${VAR}` in a header stays a reference (VAR becomes a Worker secret), unless
 * the entry's `env` makes VAR another reference, which then stands in its place.
 */
function expandEnv(headers: Record<string, string>, env: Json): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, v: string) => {
        const given = env[v];
        return typeof given === "string" && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(given) ? given : whole;
      }),
    ]),
  );
}

const CREDENTIAL_HEADER = /authorization|key|token|secret|password|cookie|credential/i;

/**
 * A header value as the registration keeps it: `${VAR}` references stay (the secret to put
 * is named); a credential written out becomes a reference to a new secret; others stay.
 */
function secretReference(imported: Imported, server: string, header: string, value: string): string {
  const references = [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
  for (const name of references) addSecret(imported, name, `referenced by server '${server}' header ${header}`);
  if (references.length > 0 || !CREDENTIAL_HEADER.test(header)) return value;
  const name = `${server}_${header}`.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  const bearer = /^Bearer\s+/i.test(value);
  const what = bearer ? "the token after 'Bearer '" : "the value";
  addSecret(imported, name, `${what} of server '${server}' header ${header}, taken out of the entry`);
  return bearer ? `Bearer \${${name}}` : `\${${name}}`;
}

function addSecret(imported: Imported, name: string, why: string): void {
  const command = `wrangler secret put ${name}`;
  if (!imported.secrets.some((line) => line.startsWith(`${command} `) || line === command))
    imported.secrets.push(`${command}   # ${why}`);
}

function importRules(imported: Imported, rules: Json, names: ReadonlyMap<string, string>): void {
  for (const [original, agent] of Object.entries(asObject(rules["agents"]))) {
    const name = gatewayName(original);
    if (name !== original) imported.notes.push(`agent '${original}' is named '${name}' here (gateway names)`);
    const converted = renamedServers(asObject(agent), names);
    const checked = AgentRulesSchema.safeParse(converted);
    if (!checked.success) {
      imported.notes.push(`skipped agent '${name}': ${checked.error.issues.map((i) => i.message).join("; ")}`);
      continue;
    }
    imported.entries.push({ key: `agent:${name}`, value: JSON.stringify(converted) });
  }
  const importedServers = new Set(
    imported.entries.filter((e) => e.key.startsWith("server:")).map((e) => e.key.slice(7)),
  );
  for (const { key, value } of imported.entries.filter((e) => e.key.startsWith("agent:"))) {
    const servers = (JSON.parse(value) as { allow?: { servers?: string[] } }).allow?.servers ?? [];
    for (const server of servers)
      if (server !== "*" && !importedServers.has(server))
        imported.notes.push(`${key} allows server '${server}', which is not imported (skipped, or not in the file)`);
  }
  if (asObject(rules["defaults"])["deny_on_missing_agent"] !== undefined)
    imported.notes.push(
      "defaults.deny_on_missing_agent is not imported: in the gateway an agent without an agent:<name> entry sees nothing",
    );
}

/** allow/deny `servers` and per-server `tools` with the servers' gateway names. */
function renamedServers(agent: Json, names: ReadonlyMap<string, string>): Json {
  const rename = (server: string) => names.get(server) ?? server;
  const side = (rules: Json): Json => {
    const out: Json = {};
    if (Array.isArray(rules["servers"])) out["servers"] = rules["servers"].map((s) => rename(String(s)));
    for (const kind of ["tools", "prompts", "resources"]) {
      const byServer = asObject(rules[kind]);
      if (Object.keys(byServer).length > 0)
        out[kind] = Object.fromEntries(Object.entries(byServer).map(([s, globs]) => [rename(s), globs]));
    }
    return out;
  };
  const converted: Json = {};
  for (const key of ["allow", "deny"]) if (agent[key] !== undefined) converted[key] = side(asObject(agent[key]));
  return converted;
}

/** A name the gateway accepts: lower case, `-` for anything else. */
function gatewayName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 63);
  return NameSchema.safeParse(cleaned).success ? cleaned : "server";
}

function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`${path}: cannot be read`);
  }
  try {
    return asObject(JSON.parse(text));
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
}

function asObject(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}
