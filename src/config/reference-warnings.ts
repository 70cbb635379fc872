// Valid entries that name something that is not there: rules naming unregistered servers
// (not an error: a server may be registered later) and `guards` naming guards without a
// valid entry (calls those guards apply to are refused until the guard exists).
import { NameSchema, type AgentRules, type ServerRegistration, type VirtualServer } from "./schemas.js";

export interface References {
  agents: ReadonlyMap<string, AgentRules>;
  virtualServers: ReadonlyMap<string, VirtualServer>;
  /** Every registered name, usable or not. */
  registered: ReadonlySet<string>;
  /** The usable registrations. */
  registrations: ReadonlyMap<string, ServerRegistration>;
  /** Names of valid guards. */
  guards: ReadonlySet<string>;
}

export function referenceWarnings(refs: References): string[] {
  return [...unregisteredServerWarnings(refs), ...unknownGuardWarnings(refs)];
}

function unregisteredServerWarnings({ agents, virtualServers, registered }: References): string[] {
  const warnings: string[] = [];
  const check = (where: string, names: Iterable<string>) => {
    for (const name of names) {
      const literal = NameSchema.safeParse(name).success;
      if (literal && !registered.has(name)) warnings.push(`${where} names server '${name}', which is not registered`);
    }
  };
  for (const [name, rules] of agents) {
    for (const side of ["allow", "deny"] as const) {
      const set = rules[side];
      check(`agent:${name} ${side}.servers`, set.servers ?? []);
      for (const kind of ["tools", "prompts", "resources"] as const)
        check(`agent:${name} ${side}.${kind}`, Object.keys(set[kind] ?? {}));
    }
  }
  for (const [name, vs] of virtualServers) check(`vs:${name} servers`, vs.servers);
  return warnings;
}

function unknownGuardWarnings({ agents, virtualServers, registrations, guards }: References): string[] {
  const warnings: string[] = [];
  const check = (where: string, names: readonly string[]) => {
    for (const name of names)
      if (!guards.has(name))
        warnings.push(`${where} names guard '${name}', which has no valid guard:${name} entry: its calls are refused`);
  };
  for (const [name, registration] of registrations) check(`server:${name} guards`, registration.guards);
  for (const [name, rules] of agents) check(`agent:${name} guards`, rules.guards);
  for (const [name, vs] of virtualServers) check(`vs:${name} guards`, vs.guards);
  return warnings;
}
