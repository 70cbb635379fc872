// The tests' handle on a fixture upstream tenant (test/fixtures/upstream-server.mjs):
// its MCP URL, and its control endpoint for faults, tool lists and counters. Every test
// makes its own tenant, so no two tests share upstream state.
import { inject } from "vitest";

export type FaultKind =
  | "hang"
  | "http400"
  | "http500"
  | "http503"
  | "garbage"
  | "sse_close"
  | "sse_hang"
  | "slow"
  /** A JSON-RPC error whose message quotes the request's Authorization and X-Upstream-Key. */
  | "quote_credentials";

export interface Fault {
  kind: FaultKind;
  /** JSON-RPC methods it applies to ("GET": the standalone stream); all requests when absent. */
  methods?: string[];
  delayMs?: number;
  /** Applies to the next this many matching requests only, then clears itself; to all when absent. */
  times?: number;
}

export interface TenantChange {
  tools?: string[];
  pageSize?: number;
  jsonResponse?: boolean;
  fault?: Fault | null;
  /** How a session id the upstream does not know is answered: 404 (the spec) or 400 (the SDK's examples). */
  unknownSessionStatus?: 404 | 400;
  /** path → text: serve these as `file://` resources, decoded and normalized as a file server would. */
  files?: Record<string, string> | null;
  /** What the tenant's initialize answers as `instructions` (null: none). */
  instructions?: string | null;
  /** Tool name → the description it is listed with from now on (sends tools/list_changed). */
  descriptions?: Record<string, string>;
  /** Put in every tools/list result as `cacheScope` (the 2026-07-28 cache hint); null: none. */
  listCacheScope?: "public" | "private" | null;
  /**
   * Sessions opened from now on keep their events (the SDK's InMemoryEventStore) and prime
   * each event stream with this `retry`, so the `polled` tool can close its call's stream
   * before answering (SSE polling); null: no event store (the default).
   */
  pollingRetryMs?: number | null;
  forgetSessions?: boolean;
  reset?: boolean;
  /** Appends this tool and sends notifications/tools/list_changed to every session (on its GET stream). */
  addTool?: string;
}

export interface RecordedRequest {
  httpMethod: string;
  method: string | null;
  tool: string | null;
  sessionId: string | null;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON-RPC id of a single message (null for notifications, batches and GET/DELETE). */
  id: string | number | null;
  /** The `params` of a single message, as sent. */
  params: Record<string, unknown> | null;
}

export interface TenantStats {
  initialize: number;
  deleted: number;
  /** The most POSTs this tenant was answering at one time. */
  maxInFlight: number;
  requests: RecordedRequest[];
  sessions: number;
  /** GET streams open right now. */
  listening: number;
  /** JSON-RPC ids of `long` calls that saw their cancellation. */
  cancelled: Array<string | number>;
  /** Questions the `ask_roots` tool asked the client, with how each ended. */
  questions: UpstreamQuestion[];
  /** Streams the `polled` tool closed before answering. */
  polled: number;
}

export interface UpstreamQuestion {
  method: string;
  tool: string;
  /** "result": the client's answer reached the upstream; "error": a JSON-RPC error or a timeout did. */
  outcome: "result" | "error";
  result?: Record<string, unknown>;
  /** The JSON-RPC error code the upstream got (-32001 when its own wait timed out). */
  code?: number | null;
  error?: string;
}

/** The era probe the gateway sends before first use: one session-less `server/discover`. */
export function isEraProbe(request: RecordedRequest): boolean {
  return request.httpMethod === "POST" && request.method === "server/discover" && request.sessionId === null;
}

export const DEFAULT_TOOL_COUNT = 15;

export class FixtureTenant {
  private constructor(
    readonly name: string,
    readonly origin: string,
  ) {}

  /** A fresh tenant on the first fixture upstream, or on the second one. */
  static create(label: string, upstream: "first" | "second" = "first"): FixtureTenant {
    const origin = inject(upstream === "first" ? "upstreamOrigin" : "secondUpstreamOrigin");
    return new FixtureTenant(`${label}-${crypto.randomUUID().slice(0, 8)}`, origin);
  }

  get url(): string {
    return `${this.origin}/${this.name}/mcp`;
  }

  async configure(change: TenantChange): Promise<void> {
    const response = await fetch(`${this.origin}/${this.name}/control`, {
      method: "POST",
      body: JSON.stringify(change),
    });
    if (!response.ok) throw new Error(`fixture control answered ${response.status}`);
    await response.body?.cancel();
  }

  async stats(): Promise<TenantStats> {
    const response = await fetch(`${this.origin}/${this.name}/control`);
    return response.json<TenantStats>();
  }
}
