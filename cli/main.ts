// mcpgw: the gateway operator's command line. Run it as `npx mcpgw <command>` inside the
// project (bin/mcpgw.mjs starts this file with the project's tsx and Node 22).
import { validate } from "./validate.js";

const USAGE = `mcpgw: the MCP gateway's command line

  mcpgw validate <folder | file> [--secret NAME]...
      Checks a configuration folder laid out like config/sample/ (settings.json, servers/,
      agents/, virtual-servers/, guards/, pins/), or one entry, with the gateway's own schemas,
      and across entries: rules or virtual servers naming servers that are not registered,
      guards that do not exist, \${NAME} secrets not declared (wrangler.toml [vars],
      .dev.vars, .dev.vars.example, --secret NAME), globs that can never match.
      Exit 0 when valid; 1 naming each bad entry, field and reason; 2 for bad usage.

  mcpgw help
      This text.
`;

export async function run(args: readonly string[], out: (line: string) => void): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "validate") return runValidate(rest, out);
  out(`mcpgw: unknown command '${command}'\n\n${USAGE}`);
  return 2;
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
if (invoked) process.exitCode = await run(process.argv.slice(2), (line) => console.log(line));
