// mcpgw: the gateway operator's command line. Run it as `npx mcpgw <command>` inside the
// project (bin/mcpgw.mjs starts this file with the project's tsx and Node 22).
import { importConfig } from "./import-config.js";
import {
  addServer,
  approvePin,
  exportConfig,
  listKeysOfAgents,
  listServers,
  revokeKey,
  setServerEnabled,
} from "./kv-commands.js";
import { bulkPut, type Target } from "./wrangler-kv.js";
import { validate } from "./validate.js";

const USAGE = `mcpgw: the MCP gateway's command line

  mcpgw validate <folder | file> [--secret NAME]...
      Checks a configuration folder laid out like config/sample/ (settings.json, servers/,
      agents/, virtual-servers/, guards/, pins/), or one entry, with the gateway's own schemas,
      and across entries: rules or virtual servers naming servers that are not registered,
      guards that do not exist, \${NAME} secrets not declared (wrangler.toml [vars],
      .dev.vars, .dev.vars.example, --secret NAME), globs that can never match.
      Exit 0 when valid; 1 naming each bad entry, field and reason; 2 for bad usage.

  mcpgw import <.mcp.json> [--rules <.mcp-gateway-rules.json>] [--write-local | --remote]
      Turns the MCP configuration of Claude Code, Claude Desktop, Cursor or VS Code (and
      agent-mcp-gateway's per-agent rules) into gateway entries: remote servers become
      server:<name> (credential header values become \${NAME} secret references), rules
      become agent:<name>. Prints a \`wrangler kv bulk put\` file on stdout; notes, skipped
      entries and the \`wrangler secret put\` commands to run go to stderr. --write-local
      puts the entries into local KV (what \`npm run dev\` uses), --remote into the
      deployed namespace (needs wrangler login).

  The commands below read or change the gateway's KV through wrangler: the local KV that
  \`npm run dev\` uses unless --remote (the deployed namespace; needs wrangler login). Each
  prints what it changed and refuses an entry the gateway would not load.

  mcpgw export [--remote]                        every entry, as a \`wrangler kv bulk put\` file
  mcpgw servers list [--remote]                  name, enabled or disabled, URL (no query)
  mcpgw servers add <name> <url> [--header 'Name: value']... [--remote]
  mcpgw servers disable <name> [--remote]        (and \`servers enable <name>\`)
  mcpgw keys list [--remote]                     id (8 hex digits), agent, label, expiry
  mcpgw keys revoke <id> [--remote]              deletes the key's apikey: entry
  mcpgw pins approve <server> <tool> <fingerprint> [--remote]
      Approves a tool's changed definition in pin:<server>: its new fingerprint, shown as
      \`drifted\` in /status (tools.attention) and in the tool.drift log line.

  mcpgw help
      This text.
`;

type Print = (line: string) => void;

/** Runs one command line: what it prints goes to `out` (results) and `err` (notes); the exit code. */
export async function run(args: readonly string[], out: Print, err: Print = out): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "validate") return runValidate(rest, out);
  if (command === "import") return runImport(rest, out, err);
  if (KV_COMMANDS.has(command)) return runKv(command, rest, out, err);
  err(`mcpgw: unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

const KV_COMMANDS = new Set(["export", "servers", "keys", "pins"]);

async function runKv(command: string, args: readonly string[], out: Print, err: Print): Promise<number> {
  const target: Target = args.includes("--remote") ? "remote" : "local";
  const headers: Record<string, string> = {};
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--remote") continue;
    if (args[i] === "--header" && args[i + 1] !== undefined) {
      const [name, ...value] = args[++i]!.split(":");
      headers[name!.trim()] = value.join(":").trim();
    } else words.push(args[i]!);
  }
  const [verb, ...rest] = words;
  const line = [command, verb].filter(Boolean).join(" ");
  try {
    if (command === "export" && words.length === 0) await exportConfig(target, out);
    else if (line === "servers list" && rest.length === 0) await listServers(target, out);
    else if (line === "servers add" && rest.length === 2) await addServer(rest[0]!, rest[1]!, headers, target, out);
    else if (line === "servers disable" && rest.length === 1) await setServerEnabled(rest[0]!, false, target, out);
    else if (line === "servers enable" && rest.length === 1) await setServerEnabled(rest[0]!, true, target, out);
    else if (line === "keys list" && rest.length === 0) await listKeysOfAgents(target, out);
    else if (line === "keys revoke" && rest.length === 1) await revokeKey(rest[0]!, target, out);
    else if (line === "pins approve" && rest.length === 3) await approvePin(rest[0]!, rest[1]!, rest[2]!, target, out);
    else {
      err(`mcpgw: '${line}' takes other arguments (mcpgw help)`);
      return 2;
    }
    return 0;
  } catch (error) {
    err(`mcpgw ${line}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function runImport(args: readonly string[], out: Print, err: Print): Promise<number> {
  const paths: string[] = [];
  let rules: string | undefined;
  let target: "local" | "remote" | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--rules" && args[i + 1] !== undefined) rules = args[++i];
    else if (args[i] === "--write-local") target = "local";
    else if (args[i] === "--remote") target = "remote";
    else paths.push(args[i]!);
  }
  if (paths.length !== 1) {
    err("mcpgw import: name one MCP configuration file (mcpgw help)");
    return 2;
  }
  try {
    const imported = importConfig(paths[0]!, rules);
    for (const note of imported.notes) err(`note: ${note}`);
    if (imported.secrets.length > 0) err(`secrets to set:\n${imported.secrets.map((s) => `  ${s}`).join("\n")}`);
    if (target === undefined) {
      out(JSON.stringify(imported.entries, null, 2));
      return 0;
    }
    await bulkPut(imported.entries, target);
    for (const { key } of imported.entries) out(`wrote ${key} (${target})`);
    return 0;
  } catch (error) {
    err(`mcpgw import: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

async function runValidate(args: readonly string[], out: (line: string) => void): Promise<number> {
  const secrets: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--secret" && args[i + 1] !== undefined) secrets.push(args[++i]!);
    else paths.push(args[i]!);
  }
  if (paths.length !== 1) {
    out("mcpgw validate: name one folder or file (mcpgw help)");
    return 2;
  }
  try {
    const { problems, entries } = await validate(paths[0]!, { secrets });
    for (const problem of problems) out(`✗ ${problem}`);
    out(
      problems.length === 0
        ? `✓ ${entries} entr${entries === 1 ? "y" : "ies"} valid`
        : `${problems.length} problem(s) in ${entries} entr${entries === 1 ? "y" : "ies"}`,
    );
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    out(`mcpgw validate: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

const invoked = process.argv[1]?.endsWith("main.ts");
if (invoked)
  process.exitCode = await run(
    process.argv.slice(2),
    (line) => console.log(line),
    (line) => console.error(line),
  );
