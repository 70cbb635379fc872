// Which tool calls need a person's yes before they run (confirmDestructive): the most
// specific setting wins (the virtual server's, then the sub-agent's, then the agent's,
// then settings), and it names the tools annotated `destructiveHint: true`, none, or an
// explicit list per server. Pure.
import type { Identity } from "../../auth/principal.js";
import type { ConfirmDestructive } from "../../config/schemas.js";
import type { ConfigSnapshot } from "../../config/snapshot.js";
import { asRecord } from "../../mcp/jsonrpc.js";
import { matchesPerServer } from "../policy.js";

export function confirmSettingFor(snapshot: ConfigSnapshot, identity: Identity): ConfirmDestructive {
  const vs = identity.virtualServer === undefined ? undefined : snapshot.virtualServers.get(identity.virtualServer);
  const delegate = identity.delegate === undefined ? undefined : snapshot.agents.get(identity.delegate);
  return (
    vs?.confirmDestructive ??
    delegate?.confirmDestructive ??
    snapshot.agents.get(identity.agent)?.confirmDestructive ??
    snapshot.settings.confirmDestructive
  );
}

/**
 * Whether a call to this tool needs a yes. With `true`, a tool whose definition is not
 * known here is asked about: not knowing is no reason to run something destructive.
 */
export function needsConfirmation(
  setting: ConfirmDestructive,
  server: string,
  tool: string,
  definition: Record<string, unknown> | undefined,
): boolean {
  if (setting === false) return false;
  if (setting === true)
    return definition === undefined || asRecord(definition["annotations"])["destructiveHint"] === true;
  return matchesPerServer(setting.tools, server, tool);
}
