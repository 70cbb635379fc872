// ToolPins: the one Durable Object that remembers, for every upstream, the fingerprint of
// each tool's definition as the gateway first saw it (one consistent record for all
// isolates, kept in storage), and what changed since. Isolates send it what a fresh list
// holds; it pins what is new, notes what drifted from its pin, and answers which pins are
// in force. An operator's approval (`pin:<server>`) re-pins a tool to the approved
// fingerprint. It reports each new pin and each new drift once, so lines are written once
// per change, not once per list refresh. /status reads its summary.
import { DurableObject } from "cloudflare:workers";

export const TOOL_PINS_NAME = "pins";

/** A tool as a fresh list shows it, fingerprinted (gateway/pins/tool-fingerprint.ts). */
export interface SeenTool {
  name: string;
  fingerprint: string;
  fields: Record<string, string>;
  /** Injection markers found in its definition (gateway/pins/injection-markers.ts). */
  markers: string[];
}

interface PinRecord {
  fingerprint: string;
  fields: Record<string, string>;
  pinnedAt: number;
  markers: string[];
  /** The definition seen last, when it differs from the pin. */
  drift?: { fingerprint: string; fields: Record<string, string>; seenAt: number };
}

export interface PinVerdicts {
  /** The pinned fingerprint of every tool sent, by name. */
  pinned: Record<string, string>;
  /** Tools pinned now, on first sight. */
  first: string[];
  /** Tools whose definition differs from its pin for the first time in this form, with the pin's fields. */
  drifted: Array<{ name: string; pinned: Record<string, string> }>;
}

export interface PinSummary {
  server: string;
  tool: string;
  fingerprint: string;
  markers: string[];
  /** The fingerprint now served, when it differs from the pin. */
  drifted?: string;
  driftedAt?: string;
}

export class ToolPins extends DurableObject<Env> {
  record(server: string, tools: readonly SeenTool[], approved: Record<string, string>): PinVerdicts {
    const verdicts: PinVerdicts = { pinned: {}, first: [], drifted: [] };
    const now = Date.now();
    for (const tool of tools) {
      const key = pinKey(server, tool.name);
      const pin = this.ctx.storage.kv.get<PinRecord>(key);
      if (!pin || (approved[tool.name] === tool.fingerprint && pin.fingerprint !== tool.fingerprint)) {
        // First sight, or an operator approved the definition now served: pin it.
        if (!pin) verdicts.first.push(tool.name);
        const { fingerprint, fields, markers } = tool;
        this.ctx.storage.kv.put<PinRecord>(key, { fingerprint, fields, markers, pinnedAt: now });
        verdicts.pinned[tool.name] = fingerprint;
        continue;
      }
      verdicts.pinned[tool.name] = pin.fingerprint;
      if (pin.fingerprint === tool.fingerprint) {
        if (pin.drift) this.ctx.storage.kv.put<PinRecord>(key, withoutDrift(pin));
        continue;
      }
      if (pin.drift?.fingerprint === tool.fingerprint) continue;
      this.ctx.storage.kv.put<PinRecord>(key, {
        ...pin,
        drift: { fingerprint: tool.fingerprint, fields: tool.fields, seenAt: now },
      });
      verdicts.drifted.push({ name: tool.name, pinned: pin.fields });
    }
    return verdicts;
  }

  /** The tools worth an operator's look: drifted from their pin, or flagged on first sight. */
  summary(): PinSummary[] {
    const out: PinSummary[] = [];
    for (const [key, pin] of this.ctx.storage.kv.list<PinRecord>({ prefix: "pin:" })) {
      if (pin.markers.length === 0 && !pin.drift) continue;
      const [server, tool] = JSON.parse(key.slice("pin:".length)) as [string, string];
      out.push({
        server,
        tool,
        fingerprint: pin.fingerprint,
        markers: pin.markers,
        ...(pin.drift ? { drifted: pin.drift.fingerprint, driftedAt: new Date(pin.drift.seenAt).toISOString() } : {}),
      });
    }
    return out;
  }
}

/** One storage key per tool: `pin:["<server>","<tool>"]`, unambiguous whatever the names hold. */
function pinKey(server: string, tool: string): string {
  return `pin:${JSON.stringify([server, tool])}`;
}

function withoutDrift(pin: PinRecord): PinRecord {
  const { drift: _drift, ...rest } = pin;
  return rest;
}

/** The pin store as the gateway reaches it: the one ToolPins object. */
export interface PinStore {
  record(server: string, tools: readonly SeenTool[], approved: Record<string, string>): Promise<PinVerdicts>;
  summary(): Promise<PinSummary[]>;
}

export function pinStoreFor(env: Env): PinStore {
  const pins = () => env.TOOL_PINS.get(env.TOOL_PINS.idFromName(TOOL_PINS_NAME));
  return {
    record: async (server, tools, approved) => (await pins().record(server, [...tools], approved)) as PinVerdicts,
    summary: async () => (await pins().summary()) as PinSummary[],
  };
}
