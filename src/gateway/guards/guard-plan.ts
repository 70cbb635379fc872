// Which guards apply to a call, and what each looks for on each side, compiled once per
// configuration revision and combination of guard names. A call is guarded by every guard
// its registration, its agent (and the sub-agent it narrowed to) and its virtual server
// name. A name without a valid `guard:` entry is kept as missing: the call is refused
// rather than let through unchecked.
import type { GuardAction, PresidioProvider } from "../../config/guard-schema.js";
import type { ConfigSnapshot, ResolvedServer } from "../../config/snapshot.js";
import type { CountryCode } from "libphonenumber-js/max";
import type { Identity } from "../../auth/principal.js";
import { detectorsFor, type Detector } from "./detectors.js";

export type Side = "request" | "response";

/** One detector of one guard, with the action the guard takes on its matches. */
export interface GuardRule {
  guard: string;
  detector: string;
  action: GuardAction;
  detectors: readonly Detector[];
}

/** A guard's external analyzer, with its header secrets resolved. */
export interface GuardProvider {
  guard: string;
  provider: PresidioProvider;
  headers: Record<string, string>;
}

export interface SidePlan {
  rules: readonly GuardRule[];
  providers: readonly GuardProvider[];
}

export interface GuardPlan {
  /** Names with no valid guard entry: the call is refused. */
  missing: readonly string[];
  /** Undefined where no guard checks that side. */
  request: SidePlan | undefined;
  response: SidePlan | undefined;
}

const plans = new WeakMap<ConfigSnapshot, Map<string, GuardPlan>>();

/** The names of the guards that apply to a call to `server` by this identity, in order, each once. */
export function guardNames(snapshot: ConfigSnapshot, identity: Identity, server: ResolvedServer): string[] {
  const names = [...server.registration.guards];
  for (const agent of [identity.agent, identity.delegate])
    if (agent !== undefined) names.push(...(snapshot.agents.get(agent)?.guards ?? []));
  if (identity.virtualServer !== undefined)
    names.push(...(snapshot.virtualServers.get(identity.virtualServer)?.guards ?? []));
  return names.length > 1 ? [...new Set(names)] : names;
}

/** The compiled plan for these guard names under this snapshot (cached per snapshot). */
export function guardPlan(snapshot: ConfigSnapshot, names: readonly string[]): GuardPlan {
  let perSnapshot = plans.get(snapshot);
  if (!perSnapshot) plans.set(snapshot, (perSnapshot = new Map()));
  const key = names.join(",");
  let plan = perSnapshot.get(key);
  if (!plan) perSnapshot.set(key, (plan = compile(snapshot, names)));
  return plan;
}

function compile(snapshot: ConfigSnapshot, names: readonly string[]): GuardPlan {
  const missing: string[] = [];
  const sides: Record<Side, { rules: GuardRule[]; providers: GuardProvider[] }> = {
    request: { rules: [], providers: [] },
    response: { rules: [], providers: [] },
  };
  for (const name of names) {
    const resolved = snapshot.guards.get(name);
    if (!resolved) {
      missing.push(name);
      continue;
    }
    const { guard } = resolved;
    const options = { custom: guard.patterns, phoneRegion: guard.phoneRegion as CountryCode };
    const rules = Object.entries(guard.detect).map(([detector, action]) => ({
      guard: name,
      detector,
      action,
      detectors: detectorsFor([detector], options),
    }));
    for (const side of guard.on) {
      sides[side].rules.push(...rules);
      if (guard.provider)
        sides[side].providers.push({ guard: name, provider: guard.provider, headers: resolved.providerHeaders });
    }
  }
  const plan = (side: Side): SidePlan | undefined =>
    sides[side].rules.length + sides[side].providers.length > 0 ? sides[side] : undefined;
  return { missing, request: plan("request"), response: plan("response") };
}
