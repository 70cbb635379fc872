// `mcpgw validate`: a configuration folder (or one entry) checked by the gateway's own
// loader (config/snapshot.ts, with the same zod schemas), so what passes here loads there.
// Each problem names the entry (and its file), the field and the reason. Beyond one entry:
// rules and virtual servers naming servers that are not registered, `guards` naming
// guards that do not exist, `${NAME}` references to secrets that are not declared (in
// wrangler.toml's [vars], .dev.vars, .dev.vars.example, or --secret), and tool or prompt
// globs that can never match a name.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSnapshot } from "../src/config/snapshot.js";
import type { AgentRules } from "../src/config/schemas.js";
import { readConfig, type FolderEntries } from "./config-folder.js";
import { memoryKv } from "./memory-kv.js";

export interface Validation {
  /** What is wrong, one line each. */
  problems: string[];
  /** How many entries were read. */
  entries: number;
}

export interface ValidateOptions {
  /** Secret names declared besides those the project's files declare. */
  secrets?: readonly string[];
  /** Where wrangler.toml and .dev.vars are looked for (default: the working directory). */
  projectDir?: string;
}

export async function validate(path: string, options: ValidateOptions = {}): Promise<Validation> {
  const read = readConfig(path);
  const declared = declaredSecrets(options.projectDir ?? process.cwd(), options.secrets ?? []);
  const env = Object.fromEntries([...declared].map((name) => [name, `declared-${name}`]));
  const raw = Object.fromEntries(read.entries);
  const snapshot = await loadSnapshot(memoryKv(raw), env, new Map());
  const problems = snapshot.problems.map(({ key, problem }) => `${where(read, key)}: ${problem}`);
  for (const [name, why] of snapshot.unusable) {
    const key = `server:${name}`;
    if (!snapshot.problems.some((p) => p.key === key)) problems.push(`${where(read, key)}: ${why}`);
  }
  problems.push(...snapshot.warnings);
  for (const [name, rules] of snapshot.agents) problems.push(...neverMatching(`agent:${name}`, rules));
  for (const file of read.ignored) problems.push(`${file}: not read by the gateway (see mcpgw help validate)`);
  return { problems, entries: read.entries.size };
}

function where(read: FolderEntries, key: string): string {
  const file = read.files.get(key);
  return file ? `${key} (${file})` : key;
}

/** Tool and prompt names have no slashes or spaces: a glob that needs one never matches. */
function neverMatching(entry: string, rules: AgentRules): string[] {
  const found: string[] = [];
  for (const side of ["allow", "deny"] as const) {
    for (const kind of ["tools", "prompts"] as const) {
      for (const [server, globs] of Object.entries(rules[side][kind] ?? {})) {
        for (const glob of globs)
          if (/[/\s]/.test(glob))
            found.push(`${entry}: ${side}.${kind}.${server}: '${glob}' can never match a ${kind.slice(0, -1)} name`);
      }
    }
  }
  return found;
}

/** Names the project declares as Worker vars or secrets. */
function declaredSecrets(dir: string, extra: readonly string[]): Set<string> {
  const names = new Set(extra);
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
      if (name) names.add(name);
    }
  }
  const toml = join(dir, "wrangler.toml");
  if (existsSync(toml)) {
    const vars = /^\[vars\]\s*$([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(readFileSync(toml, "utf8"))?.[1] ?? "";
    for (const line of vars.split("\n")) {
      const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
      if (name) names.add(name);
    }
  }
  return names;
}
