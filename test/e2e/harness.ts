// Runs the parts of an end-to-end test for real: the gateway Worker (bundled by
// worker-bundle.ts) served by workerd through Miniflare's API, with no `wrangler dev`
// proxy in front; real MCP servers as child processes; and the official SDK client. Everything listens on 127.0.0.1 only. It asserts nothing: the
// tests do. Every process it starts is registered for teardown, and killed when this
// test worker exits, even if a test forgot to.
import { createHash } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, type WorkerdStructuredLog } from "miniflare";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { builtWorker, gatewayWorkerConfig, type BuiltWorker } from "./worker-bundle.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EVERYTHING_SCRIPT = join(REPO_ROOT, "scripts", "everything-on-loopback.mjs");
const LOOPBACK = "127.0.0.1";
/** Set E2E_VERBOSE=1 to see the Worker's logs and the upstreams' stderr as they happen. */
const VERBOSE = process.env["E2E_VERBOSE"] === "1";

// ---------------------------------------------------------------------------------------
// Teardown

/** Cleanup steps, run last-in first-out; every step runs even when an earlier one fails. */
export class Teardown {
  #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Registers what `starting` starts, as soon as it has started, to be stopped by `stop`. */
  adopt<T>(starting: Promise<T>, stop: (started: T) => unknown): Promise<T> {
    return starting.then((started) => {
      this.add(() => stop(started));
      return started;
    });
  }

  async run(): Promise<void> {
    const steps = this.#steps.reverse();
    this.#steps = [];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, "teardown failed");
  }
}

/** Like Promise.all, but settles every start before failing, so nothing started goes untracked. */
export async function allStarted<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((s) => s.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Children still running; the exit hook below kills them if teardown never ran. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

// ---------------------------------------------------------------------------------------
// Upstream MCP servers

export interface Upstream {
  /** The MCP endpoint (Streamable HTTP's, or the HTTP+SSE transport's stream), for a `server:<name>` registration. */
  url: string;
  port: number;
  pid: number;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** How server-everything is reached: Streamable HTTP, or the 2024-11-05 HTTP+SSE transport. */
export type EverythingTransport = "streamableHttp" | "sse";

/**
 * @modelcontextprotocol/server-everything over Streamable HTTP (or `transport`) on
 * loopback: on `port` when given (to bring a killed server back at the same address),
 * else on a free port.
 */
export async function startEverything(
  port?: number,
  transport: EverythingTransport = "streamableHttp",
): Promise<Upstream> {
  if (port !== undefined) return spawnEverything(port, transport);
  // The port is picked before the server binds it; if another process takes it in
  // between, the server exits at once and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnEverything(port, transport);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

function spawnEverything(port: number, transport: EverythingTransport): Promise<Upstream> {
  const child = spawn(process.execPath, [EVERYTHING_SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), EVERYTHING_TRANSPORT: transport },
    // Its stdout is a line per request: not wanted, and a full pipe would stall it.
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));

  const upstream: Upstream = {
    url: `http://${LOOPBACK}:${port}/${transport === "sse" ? "sse" : "mcp"}`,
    port,
    pid: child.pid!,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };

  return new Promise<Upstream>((resolve, reject) => {
    let stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      if (VERBOSE) process.stderr.write(`[everything:${port}] ${chunk}`);
      stderr = (stderr + chunk).slice(-4000);
      if (stderr.includes("listening on port")) resolve(upstream);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const why = `server-everything on port ${port} exited (${signal ?? code}) before listening:\n${stderr}`;
      reject(stderr.includes("EADDRINUSE") || stderr.includes("already in use") ? new PortTaken(why) : new Error(why));
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------
// The gateway Worker

/** The KV binding the gateway reads its configuration from. */
const CONFIG_BINDING = "CONFIG";
type ConfigKv = Awaited<ReturnType<Miniflare["getKVNamespace"]>>;

export interface GatewayConfig {
  /** `server:<name>` registrations; values are written as JSON. */
  servers: Record<string, Record<string, unknown>>;
  /** The `settings` entry; omitted means the defaults. */
  settings?: Record<string, unknown>;
  /** `agent:<name>` rules; the default agent (allowed every server) is added unless given. */
  agents?: Record<string, Record<string, unknown>>;
  /** `vs:<name>` virtual servers. */
  virtualServers?: Record<string, Record<string, unknown>>;
  /**
   * Raw API key → the agent it authenticates as, or the whole `apikey:` record (to give a
   * label or an expiry); DEFAULT_KEY is always added.
   */
  apiKeys?: Record<string, string | ApiKeyRecord>;
}

/** An `apikey:<sha256>` value, as ApiKeySchema reads it. */
export interface ApiKeyRecord {
  agent: string;
  label?: string;
  expiresAt?: string;
}

/** The key connectClient uses unless told otherwise, for DEFAULT_AGENT. */
export const DEFAULT_KEY = "mcpgw_e2e_default_key";
export const DEFAULT_AGENT = "e2e-agent";

export interface Gateway {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  endpoint: URL;
  kv: ConfigKv;
  /**
   * Writes registrations and settings to KV. The Worker reads KV on its first request,
   * so configure before connecting; later changes wait for `configRefreshSeconds`.
   */
  configure(config: GatewayConfig): Promise<void>;
  /** The Worker's log lines so far (console output of the Worker and its objects). */
  logs: string[];
  /** With `secondIsolate`: a request to the second instance (same URLs as `endpoint`'s origin). */
  fetchSecond?: (url: URL | string, init: RequestInit) => Promise<Response>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Worker secrets and vars (text bindings), such as those registrations reference as `${NAME}`. */
  vars?: Record<string, string>;
  /**
   * Also runs a second instance of the Worker (its own isolate, as another Cloudflare
   * location or machine would be) sharing the first one's KV and Durable Objects.
   */
  secondIsolate?: boolean;
}

/** Starts the Worker in workerd with fresh, in-memory KV and Durable Object storage. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const worker = await builtWorker();
  if (!worker.kvBindings.includes(CONFIG_BINDING))
    throw new Error(`wrangler.toml binds no ${CONFIG_BINDING} namespace`);
  const logs: string[] = [];
  const onLog = (log: WorkerdStructuredLog) => {
    const line = `${log.level}: ${log.message}`;
    if (VERBOSE) process.stderr.write(`[gateway] ${line}\n`);
    logs.push(line);
    if (logs.length > 2000) logs.splice(0, logs.length - 2000);
  };
  const mf = new Miniflare({
    host: LOOPBACK,
    port: 0,
    enableDevRegistry: false,
    logRequests: false,
    telemetry: { enabled: false },
    handleStructuredLogs: onLog,
    workers: [
      { config: withVars(gatewayWorkerConfig(worker), options.vars ?? {}) },
      ...(options.secondIsolate ? [{ config: withVars(secondInstanceConfig(worker), options.vars ?? {}) }] : []),
    ],
  });
  try {
    const origin = await mf.ready;
    const kv = await mf.getKVNamespace(CONFIG_BINDING);
    const second = options.secondIsolate ? await mf.getWorker(secondInstanceConfig(worker).name) : undefined;
    return {
      endpoint: new URL("/mcp", origin),
      kv,
      configure: (config) => seed(kv, config),
      logs,
      ...(second
        ? {
            fetchSecond: async (url: URL | string, init: RequestInit) =>
              (await second.fetch(String(url), init as never)) as unknown as Response,
          }
        : {}),
      stop: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
}

/** The same Worker under another name, with no objects of its own: it binds the first one's objects and KV. */
function secondInstanceConfig(worker: BuiltWorker) {
  const { exports: _own, ...config } = gatewayWorkerConfig(worker);
  return { ...config, name: `${worker.name}-second` };
}

function withVars<T extends { env: object }>(config: T, vars: Record<string, string>): T {
  const text = Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [name, { type: "text" as const, value }]),
  );
  return { ...config, env: { ...config.env, ...text } };
}

async function seed(kv: ConfigKv, config: GatewayConfig): Promise<void> {
  const entries: Array<[string, unknown]> = Object.entries(config.servers).map(([name, registration]) => [
    `server:${name}`,
    registration,
  ]);
  if (config.settings) entries.push(["settings", config.settings]);
  const agents = { [DEFAULT_AGENT]: { allow: { servers: ["*"] } }, ...config.agents };
  for (const [name, rules] of Object.entries(agents)) entries.push([`agent:${name}`, rules]);
  for (const [name, vs] of Object.entries(config.virtualServers ?? {})) entries.push([`vs:${name}`, vs]);
  for (const [rawKey, key] of Object.entries({ [DEFAULT_KEY]: DEFAULT_AGENT, ...config.apiKeys })) {
    const record = typeof key === "string" ? { agent: key } : key;
    entries.push([`apikey:${createHash("sha256").update(rawKey).digest("hex")}`, record]);
  }
  await Promise.all(entries.map(([key, value]) => kv.put(key, JSON.stringify(value))));
}

// ---------------------------------------------------------------------------------------
// Clients

export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

export interface ConnectOptions {
  /** The key sent as `Authorization: Bearer <key>`; DEFAULT_KEY when unset, no header when null. */
  apiKey?: string | null;
  /** The endpoint's path, such as `/mcp/<virtual server>`; `/mcp` when unset. */
  path?: string;
  /** More headers on every request, such as `X-MCP-Agent`. */
  headers?: Record<string, string>;
}

/** An official SDK v1 client, initialized against the gateway (a legacy, sessionful client). */
export async function connectClient(
  gateway: Gateway,
  name = "e2e-client",
  options: ConnectOptions = {},
): Promise<Connected> {
  const client = new Client({ name, version: "1.0.0" });
  const url = new URL(options.path ?? gateway.endpoint.pathname, gateway.endpoint);
  const apiKey = options.apiKey === undefined ? DEFAULT_KEY : options.apiKey;
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: {
      headers: { ...options.headers, ...(apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }) },
    },
  });
  await client.connect(transport);
  return { client, transport };
}

/** The text parts of a tool result, joined by newlines: what a model would read. */
export function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  if (!Array.isArray(content)) throw new Error(`not a tool result with content: ${JSON.stringify(result)}`);
  return content
    .filter((part: { type?: unknown }) => part.type === "text")
    .map((part: { text?: unknown }) => String(part.text))
    .join("\n");
}

/** The McpError a request was refused with; fails if it succeeded or failed otherwise. */
export async function refusal(request: Promise<unknown>): Promise<McpError> {
  const outcome = await request.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ("value" in outcome) throw new Error(`expected a JSON-RPC error, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof McpError)) throw outcome.error;
  return outcome.error;
}

/** How long a notification or an upstream's reaction may take to show up in a test. */
export const DELIVERY_MS = 10_000;

/** Polls `check` until it returns something other than undefined, or fails after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = DELIVERY_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The audit lines the gateway (its Worker and its objects) has logged so far, parsed. */
export function auditLines(gateway: Gateway): Array<Record<string, unknown>> {
  return gateway.logs
    .map((line) => line.slice(line.indexOf(": ") + 2))
    .filter((message) => message.startsWith("{") && message.includes('"event":"audit.'))
    .map((message) => JSON.parse(message) as Record<string, unknown>);
}
