// Helpers for end-to-end tests that speak the current MCP revision (2026-07-28) with the
// official v2 SDK client (@modelcontextprotocol/client), and a launcher for
// test/fixtures/modern-server.mjs, a v2 SDK server that serves only that revision.
//
// The client negotiates: it probes `server/discover` first and falls back to the legacy
// `initialize` handshake when the server is not current-era (mode "auto"), so one helper
// reaches both a modern upstream and a 2025-era one (server-everything, or the gateway).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  Client,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport,
  type CallToolResult,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
  type LoggingLevel,
  type McpSubscription,
  type Progress,
  type Root,
  type SubscriptionFilter,
} from "@modelcontextprotocol/client";

const FIXTURE = fileURLToPath(new URL("../fixtures/modern-server.mjs", import.meta.url));
const LOOPBACK = "127.0.0.1";
/** Set E2E_VERBOSE=1 to see the fixture's stderr as it happens. */
const VERBOSE = process.env["E2E_VERBOSE"] === "1";

// ---------------------------------------------------------------------------------------
// Connecting

export interface ModernConnectOptions {
  /** The client's name in `clientInfo`; "e2e-modern-client" when unset. */
  name?: string;
  /** Sent as `Authorization: Bearer <key>` on every request; no header when unset. */
  apiKey?: string;
  /** More headers on every request. */
  headers?: Record<string, string>;
  /**
   * "auto" (default): probe `server/discover`, fall back to `initialize` for a 2025-era
   * server. "modern": pinned to 2026-07-28, fails on anything else. "legacy": plain 2025
   * `initialize`, no probe.
   */
  negotiation?: "auto" | "modern" | "legacy";
  /** Answers `elicitation/create` (form mode); declares the elicitation capability. */
  onElicit?: (params: ElicitRequest["params"]) => ElicitResult | Promise<ElicitResult>;
  /** Answers `sampling/createMessage`; declares the sampling capability. */
  onSample?: (params: CreateMessageRequest["params"]) => CreateMessageResult | Promise<CreateMessageResult>;
  /** Answers `roots/list`; declares the roots capability. */
  roots?: Root[] | (() => Root[] | Promise<Root[]>);
  /** The per-request timeout, in ms (SDK default 60 s). */
  timeoutMs?: number;
}

/** A notification the client received (logs, list changes, resource updates). */
export interface ReceivedNotification {
  method: string;
  params?: Record<string, unknown>;
}

/** One HTTP request the client made, as it left the client. */
export interface WireRequest {
  httpMethod: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The JSON body, parsed; undefined for GET and DELETE. */
  body: unknown;
  status?: number;
  contentType?: string | null;
}

export interface ModernConnected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** "modern" when `server/discover` succeeded, "legacy" after the `initialize` fallback. */
  era: "modern" | "legacy";
  protocolVersion: string | undefined;
  /** Every notification received so far, in order (progress excluded: see callTool). */
  notifications: ReceivedNotification[];
  /** Every HTTP request made so far, with its status once answered. */
  wire: WireRequest[];
  /** Resolves with the first notification (already received or future) that matches. */
  waitForNotification(
    method: string,
    match?: (n: ReceivedNotification) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

const COLLECTED = [
  "notifications/message",
  "notifications/tools/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/list_changed",
  "notifications/resources/updated",
] as const;

/** A v2 SDK client connected to `url`, modern or legacy as the server allows. */
export async function connectModernClient(
  url: string | URL,
  options: ModernConnectOptions = {},
): Promise<ModernConnected> {
  const negotiation = options.negotiation ?? "auto";
  const client = new Client(
    { name: options.name ?? "e2e-modern-client", version: "1.0.0" },
    {
      versionNegotiation: {
        mode: negotiation === "modern" ? { pin: "2026-07-28" } : negotiation,
        probe: { timeoutMs: options.timeoutMs ?? 10_000 },
      },
      capabilities: {
        ...(options.onElicit ? { elicitation: { form: {} } } : {}),
        ...(options.onSample ? { sampling: {} } : {}),
        ...(options.roots ? { roots: {} } : {}),
      },
    },
  );
  const { onElicit, onSample, roots } = options;
  if (onElicit) client.setRequestHandler("elicitation/create", (request) => onElicit(request.params));
  if (onSample) client.setRequestHandler("sampling/createMessage", (request) => onSample(request.params));
  if (roots) {
    client.setRequestHandler("roots/list", async () => ({
      roots: typeof roots === "function" ? await roots() : roots,
    }));
  }

  const notifications: ReceivedNotification[] = [];
  const waiters = new Set<(n: ReceivedNotification) => void>();
  for (const method of COLLECTED) {
    client.setNotificationHandler(method, (notification) => {
      const received: ReceivedNotification = {
        method: notification.method,
        params: notification.params as Record<string, unknown> | undefined,
      };
      notifications.push(received);
      for (const waiter of [...waiters]) waiter(received);
    });
  }

  const wire: WireRequest[] = [];
  const recordingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const entry: WireRequest = {
      httpMethod: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    wire.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.contentType = response.headers.get("content-type");
    return response;
  };

  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers["authorization"] = `Bearer ${options.apiKey}`;
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers },
    fetch: recordingFetch,
  });
  await client.connect(transport, options.timeoutMs === undefined ? undefined : { timeout: options.timeoutMs });

  return {
    client,
    transport,
    era: client.getProtocolEra() === "modern" ? "modern" : "legacy",
    protocolVersion: client.getNegotiatedProtocolVersion(),
    notifications,
    wire,
    waitForNotification(method, match = () => true, timeoutMs = 5_000) {
      const fits = (n: ReceivedNotification) => n.method === method && match(n);
      const already = notifications.find(fits);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${method} within ${timeoutMs} ms; got ${JSON.stringify(notifications)}`));
        }, timeoutMs);
        const waiter = (n: ReceivedNotification) => {
          if (!fits(n)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(n);
        };
        waiters.add(waiter);
      });
    },
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------
// Calling tools

export interface CallOptions {
  /** Asks for progress (the SDK sets `_meta.progressToken`) and receives each notification. */
  onProgress?: (progress: Progress) => void;
  /** Aborting it cancels the call (on 2026-07-28 over HTTP: by closing the request's stream). */
  signal?: AbortSignal;
  /**
   * On a modern connection, sent as `_meta["io.modelcontextprotocol/logLevel"]`: without it a
   * v2 SDK server sends no `notifications/message` for the request.
   */
  logLevel?: LoggingLevel;
  timeoutMs?: number;
}

/** tools/call with the options above; resolves with the final result (after any input rounds). */
export function callTool(
  connected: ModernConnected,
  name: string,
  args: Record<string, unknown> = {},
  options: CallOptions = {},
): Promise<CallToolResult> {
  const meta = options.logLevel === undefined ? undefined : { [LOG_LEVEL_META_KEY]: options.logLevel };
  return connected.client.callTool(
    { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
    {
      ...(options.onProgress ? { onprogress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    },
  );
}

/** tools/call collecting every progress notification; resolves with both. */
export async function callToolWithProgress(
  connected: ModernConnected,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ result: CallToolResult; progress: Progress[] }> {
  const progress: Progress[] = [];
  const result = await callTool(connected, name, args, { onProgress: (p) => progress.push(p) });
  return { result, progress };
}

/**
 * tools/call aborted after `abortAfterMs`: resolves with the error the call rejected with
 * (fails if the call completed first).
 */
export async function callToolAborted(
  connected: ModernConnected,
  name: string,
  args: Record<string, unknown>,
  abortAfterMs: number,
): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("aborted by the test")), abortAfterMs);
  try {
    const result = await callTool(connected, name, args, { signal: controller.signal });
    throw new Error(`expected the call to be aborted, but it completed: ${JSON.stringify(result)}`);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    return error;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------
// subscriptions/listen

export interface ListChanges {
  /** The open subscription on a modern connection; undefined on a legacy one. */
  subscription: McpSubscription | undefined;
  /** The filter the server agreed to (all of the requested one on a legacy connection). */
  honored: SubscriptionFilter;
  /** The change notifications received since listening began. */
  received(): ReceivedNotification[];
  /** Resolves with the next (or an already received) change notification of that method. */
  next(method?: string, timeoutMs?: number): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

/**
 * Listens for list changes: on a modern connection opens `subscriptions/listen` (tools list
 * changes unless `filter` says otherwise) and resolves once the server acknowledged it; on
 * a legacy connection there is nothing to open, and the same notifications arrive unsolicited.
 */
export async function listenForChanges(
  connected: ModernConnected,
  filter: SubscriptionFilter = { toolsListChanged: true },
): Promise<ListChanges> {
  const start = connected.notifications.length;
  const subscription = connected.era === "modern" ? await connected.client.listen(filter) : undefined;
  const isChange = (n: ReceivedNotification) => n.method !== "notifications/message";
  return {
    subscription,
    honored: subscription?.honoredFilter ?? filter,
    received: () => connected.notifications.slice(start).filter(isChange),
    next: (method = "notifications/tools/list_changed", timeoutMs = 5_000) => {
      const seen = new Set(connected.notifications.slice(0, start));
      return connected.waitForNotification(method, (n) => !seen.has(n), timeoutMs);
    },
    close: async () => {
      await subscription?.close();
    },
  };
}

// ---------------------------------------------------------------------------------------
// The modern fixture server

/** What GET /control answers; see test/fixtures/modern-server.mjs. */
export interface ModernControl {
  requests: Record<string, number>;
  cancellations: number;
  httpAborts: number;
  slowCompleted: number;
  httpMethods: Record<string, number>;
  lastHeaders: Record<string, Record<string, string>>;
  lastMeta: Record<string, Record<string, unknown> | null>;
  lastParams: Record<string, Record<string, unknown> | null>;
  grown: string[];
}

export interface ModernServer {
  /** Its MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  port: number;
  pid: number;
  /** GET /control: counters and the last headers and `_meta` per method. */
  control(): Promise<ModernControl>;
  /** POST /control: zeroes the counters and forgets grown tools. */
  reset(): Promise<void>;
  /** SIGTERM, and resolves once the process has exited. */
  stop(): Promise<void>;
}

const runningFixtures = new Set<() => void>();
process.once("exit", () => {
  for (const kill of runningFixtures) kill();
});

/**
 * Spawns test/fixtures/modern-server.mjs on loopback: on `port` when given (to bring a
 * stopped fixture back at the same address), else on a free port (it binds port 0 itself).
 */
export async function startModernServer(port = 0): Promise<ModernServer> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, PORT: String(port), ...(VERBOSE ? { MODERN_FIXTURE_VERBOSE: "1" } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const kill = () => child.kill("SIGKILL");
  runningFixtures.add(kill);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => runningFixtures.delete(kill));

  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    if (VERBOSE) process.stderr.write(`[modern] ${chunk}`);
    stderr = (stderr + chunk).slice(-4000);
  });

  const bound = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`modern-server.mjs exited (${signal ?? code}) before listening:\n${stderr}`)),
    );
  });

  const origin = `http://${LOOPBACK}:${bound}`;
  return {
    url: `${origin}/mcp`,
    port: bound,
    pid: child.pid!,
    async control() {
      const response = await fetch(`${origin}/control`);
      if (!response.ok) throw new Error(`GET /control: HTTP ${response.status}`);
      return (await response.json()) as ModernControl;
    },
    async reset() {
      const response = await fetch(`${origin}/control`, { method: "POST" });
      if (!response.ok) throw new Error(`POST /control: HTTP ${response.status}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
