// The port through which the gateway makes a `requestState` of its own that a 2026-07-28
// client carries back on its retry, and checks one it is given: sealed (signed) so that a
// client can neither forge nor alter it. What signs is the session layer's business
// (session/state-seal.ts).

/** Every state the gateway seals starts so; any other requestState is someone else's. */
export const SEALED_STATE_PREFIX = "gwc1.";

export interface StateSeal {
  seal(payload: Record<string, unknown>): Promise<string>;
  /** The payload of a state this gateway sealed; undefined for anything else (forged, altered, foreign). */
  open(state: string): Promise<Record<string, unknown> | undefined>;
}
