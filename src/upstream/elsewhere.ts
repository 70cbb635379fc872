// Signals that a request is to be answered by the owner of the upstream session rather
// than where it started. A Worker that borrows a session object's upstream session
// (see LinkOptions.borrowed) throws them; the fast paths catch them. They are not
// GatewayErrors: they never reach a client, and nothing audits them where they start.
import type { UpstreamState } from "./link.js";

/** Nothing was sent upstream: the owner can answer the request from the start. */
export class NotHere extends Error {
  constructor(
    reason: string,
    /** The borrowed upstream session the upstream no longer knows, for the owner to forget. */
    readonly forgotten?: { server: string; sessionId: string },
  ) {
    super(`answer elsewhere: ${reason}`);
    this.name = "NotHere";
  }
}

/**
 * The request was sent and the upstream answers with an event stream (questions, progress,
 * log messages may come before the answer): its owner reads the rest.
 */
export class HandOff extends Error {
  /** The upstream's name of the item called, once routing found it (for the owner's audit line). */
  item: string | undefined;

  constructor(
    readonly server: string,
    /** The id the request was sent upstream with. */
    readonly upstreamId: string,
    /** The upstream session it was sent on. */
    readonly state: UpstreamState,
    readonly body: ReadableStream<Uint8Array>,
    /** Settles once the owner read the stream to its end or gave up on it. */
    readonly drained: Promise<void>,
  ) {
    super(`answer elsewhere: ${server} answers with an event stream`);
    this.name = "HandOff";
  }
}

export function answersElsewhere(error: unknown): error is NotHere | HandOff {
  return error instanceof NotHere || error instanceof HandOff;
}
