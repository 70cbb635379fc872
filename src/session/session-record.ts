// A client session's record in its object's storage: who opened it (only they may use
// it), what was negotiated and declared at initialize, and when it was last active, which
// is written at most once a minute (eviction can lose at most that much); each such write
// is announced, so the session can renew its place among its agent's sessions.
import { sameIdentity, type Identity } from "../auth/principal.js";
import type { ClientFacts } from "../gateway/client-channel.js";
import { asRecord, type JsonRpcRequest } from "../mcp/jsonrpc.js";
import { negotiateVersion } from "../mcp/versions.js";
import { SESSION_KEY } from "./storage-keys.js";

export interface SessionRecord {
  id: string;
  /** Who opened the session, through which endpoint: only they may use it. */
  identity: Identity;
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
  createdAt: number;
  lastActiveAt: number;
  ttlSeconds: number;
  logLevel?: string;
}

const ACTIVITY_WRITE_INTERVAL_MS = 60_000;

export class SessionRecords {
  #record: SessionRecord | null | undefined;
  #storedActiveAt = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Called when activity is stored (not on every touch). */
    private readonly onActivityStored: (record: SessionRecord) => void = () => undefined,
  ) {}

  /** The session as last loaded (undefined: not loaded yet; null: none, or ended). */
  get current(): SessionRecord | null | undefined {
    return this.#record;
  }

  /** Starts the session: stored, with its idle alarm. */
  async start(record: SessionRecord): Promise<void> {
    await this.storage.put(SESSION_KEY, record);
    await this.storage.setAlarm(record.lastActiveAt + record.ttlSeconds * 1000);
    this.#record = record;
    this.#storedActiveAt = record.lastActiveAt;
  }

  async load(): Promise<SessionRecord | null> {
    if (this.#record === undefined) {
      this.#record = (await this.storage.get<SessionRecord>(SESSION_KEY)) ?? null;
      this.#storedActiveAt = this.#record?.lastActiveAt ?? 0;
    }
    return this.#record;
  }

  /** The session, if it exists and belongs to this identity; to anyone else it does not exist. */
  async loadFor(identity: Identity): Promise<SessionRecord | null> {
    const record = await this.load();
    return record && sameIdentity(record.identity, identity) ? record : null;
  }

  /** Notes activity now; stored when the stored time is a minute old. */
  touch(record: SessionRecord): void {
    record.lastActiveAt = Date.now();
    if (record.lastActiveAt - this.#storedActiveAt < ACTIVITY_WRITE_INTERVAL_MS) return;
    this.#storedActiveAt = record.lastActiveAt;
    void this.storage.put(SESSION_KEY, record);
    this.onActivityStored(record);
  }

  setLogLevel(record: SessionRecord, level: string): void {
    record.logLevel = level;
    void this.storage.put(SESSION_KEY, record);
  }

  ended(): void {
    this.#record = null;
  }
}

/** What the session's client declared, as the call pipeline takes it. */
/** A new session's record, from its client's initialize. */
export function newRecord(
  id: string,
  initialize: JsonRpcRequest,
  identity: Identity,
  ttlSeconds: number,
): SessionRecord {
  const params = initialize.params ?? {};
  const now = Date.now();
  return {
    id,
    identity,
    protocolVersion: negotiateVersion(params["protocolVersion"]),
    clientInfo: asRecord(params["clientInfo"]),
    clientCapabilities: asRecord(params["capabilities"]),
    createdAt: now,
    lastActiveAt: now,
    ttlSeconds,
  };
}

export function clientFactsOf(record: SessionRecord): ClientFacts {
  return {
    era: "legacy",
    capabilities: record.clientCapabilities,
    ...(record.logLevel !== undefined ? { logLevel: record.logLevel } : {}),
  };
}
