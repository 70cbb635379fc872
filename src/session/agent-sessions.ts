// AgentSessions: one Durable Object per agent (the key's agent, sub-agents included), which
// counts the agent's open 2025-era sessions for settings.maxSessionsPerAgent, exactly and
// across isolates. Session objects ask it when they start, renew, and end (session-cap.ts);
// it keeps their leases (session-leases.ts) in its storage. Rate limits are counted by
// RateLimitCounter, not here: they apply to agents with `rateLimits`, this to every agent.
import { DurableObject } from "cloudflare:workers";
import { admit, release, renew, type Admission, type Leases } from "./session-leases.js";

/** Storage key of the leases (a Map). */
const LEASES_KEY = "leases";

export class AgentSessions extends DurableObject<Env> {
  admit(name: string, until: number, cap: number): Admission {
    return this.#update((leases) => admit(leases, name, until, cap, Date.now()));
  }

  renew(name: string, until: number): void {
    this.#update((leases) => renew(leases, name, until, Date.now()));
  }

  release(name: string): void {
    this.#update((leases) => release(leases, name));
  }

  /** Reads, changes and stores the leases in one synchronous step: no other request interleaves. */
  #update<T>(change: (leases: Leases) => T): T {
    const kv = this.ctx.storage.kv;
    const leases = kv.get<Leases>(LEASES_KEY) ?? new Map<string, number>();
    const outcome = change(leases);
    if (leases.size === 0) kv.delete(LEASES_KEY);
    else kv.put(LEASES_KEY, leases);
    return outcome;
  }
}
