#!/usr/bin/env node
// `npm run dev`: a working gateway on http://127.0.0.1:8787/mcp in front of a real MCP
// server. Starts server-everything on 127.0.0.1:3001, seeds local KV from config/sample/
// (one bulk put), then runs `wrangler dev` in the foreground. Leaves nothing running
// behind: server-everything is stopped when wrangler exits, on Ctrl-C, on SIGTERM, and
// when the npm process that started us goes away. The gateway itself is src/, not here.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clearTimeout, setInterval } from "node:timers";
// Node 22 (the project's, which `npm run` uses) runs TypeScript without a build step.
import { readConfig } from "../cli/config-folder.ts";
/* global fetch -- Node's own, since Node 18 */

const HOST = "127.0.0.1";
/** Where the sample registers server-everything (config/sample/servers/everything.json). */
const SAMPLE_EVERYTHING_PORT = 3001;
const { gatewayPort: GATEWAY_PORT, upstreamPort: EVERYTHING_PORT } = portsFrom(process.argv.slice(2));
const READY_TIMEOUT_MS = 60_000;

const root = join(import.meta.dirname, "..");
const wranglerBin = join(root, "node_modules", ".bin", "wrangler");
const persistTo = join(".wrangler", "state");
const started = Date.now();

/** Children still running, so every way out stops them. */
const children = new Set();
let stopping = false;

function say(message) {
  console.error(`[dev] ${message}`);
}

function fail(message) {
  say(`error: ${message}`);
  stopAll();
  process.exit(1);
}

function stopAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}

function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Binding the port ourselves is the only reliable test that it is free. */
function ensurePortFree(port, whatNeedsIt) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error) => {
      if (error.code === "EADDRINUSE")
        fail(
          `port ${port} on ${HOST} is already taken, and ${whatNeedsIt} needs it. ` +
            `Is another 'npm run dev' running? See who holds it with: ss -ltnp 'sport = :${port}'`,
        );
      else fail(`cannot check port ${port} on ${HOST}: ${error.message}`);
    });
    probe.listen(port, HOST, () => probe.close(resolve));
  });
}

/** `--port N` (the gateway, 8787) and `--upstream-port N` (server-everything, 3001). */
function portsFrom(args) {
  const ports = { gatewayPort: 8787, upstreamPort: SAMPLE_EVERYTHING_PORT };
  for (let i = 0; i < args.length; i++) {
    const flag = { "--port": "gatewayPort", "--upstream-port": "upstreamPort" }[args[i]];
    const port = Number(args[i + 1]);
    if (!flag || !Number.isInteger(port) || port < 1 || port > 65535) {
      console.error(`[dev] usage: npm run dev [-- --port <gateway port>] [--upstream-port <server-everything port>]`);
      process.exit(2);
    }
    ports[flag] = port;
    i++;
  }
  return ports;
}

/**
 * `--var` flags for `wrangler dev`: the values of .dev.vars.example (ADMIN_TOKEN, so that
 * /status answers locally) that .dev.vars does not set. Passed on the command line, not
 * written to .dev.vars: that file is yours, and `wrangler types --check` reads it.
 */
function exampleVars() {
  const read = (file) =>
    existsSync(join(root, file))
      ? readFileSync(join(root, file), "utf8")
          .split("\n")
          .flatMap((line) => {
            const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
            return match ? [[match[1], match[2]]] : [];
          })
      : [];
  const own = new Set(read(".dev.vars").map(([name]) => name));
  return read(".dev.vars.example")
    .filter(([name]) => !own.has(name))
    .flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

/**
 * The sample config as KV entries, read as `mcpgw validate` reads a config folder
 * (cli/config-folder.ts: settings.json, servers/, agents/, …), so both agree on the layout.
 */
function sampleEntries() {
  const { entries, files } = readConfig(join(root, "config", "sample"));
  return [...entries].map(([key, text]) => {
    try {
      const value = JSON.parse(text);
      // server-everything where --upstream-port put it.
      if (key === "server:everything" && EVERYTHING_PORT !== SAMPLE_EVERYTHING_PORT)
        value.url = value.url.replace(`:${SAMPLE_EVERYTHING_PORT}/`, `:${EVERYTHING_PORT}/`);
      // Stored compact, as an operator's `wrangler kv key put` would.
      return { key, value: JSON.stringify(value) };
    } catch (error) {
      return fail(`${files.get(key)} is not valid JSON: ${error.message}`);
    }
  });
}

function startEverything() {
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, [join(root, "scripts", "everything-on-loopback.mjs")], {
        cwd: root,
        env: { ...process.env, PORT: String(EVERYTHING_PORT) },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group: a terminal's Ctrl-C reaches only us, and we stop it in order.
        detached: true,
      }),
    );
    let ready = false;
    let early = "";
    const timer = setTimeout(
      () => fail(`server-everything did not start within ${READY_TIMEOUT_MS / 1000} s:\n${early}`),
      READY_TIMEOUT_MS,
    );
    const onOutput = (chunk) => {
      const text = chunk.toString();
      if (!ready) {
        early += text;
        if (/listening on port/i.test(early)) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      } else if (process.env.DEV_VERBOSE) process.stderr.write(prefixLines("[everything] ", text));
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.on("exit", (code, signal) => {
      if (stopping) return;
      clearTimeout(timer);
      if (!ready) fail(`server-everything exited before it was ready (${signal ?? `code ${code}`}):\n${early}`);
      else say(`server-everything stopped unexpectedly (${signal ?? `code ${code}`}); the 'everything' tools fail now`);
    });
  });
}

function seedKv() {
  const entries = sampleEntries();
  const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-seed-"));
  const file = join(dir, "seed.json");
  writeFileSync(file, JSON.stringify(entries));
  // One call for all keys: each wrangler start costs seconds.
  const args = ["kv", "bulk", "put", "--local", "--binding", "CONFIG", "--persist-to", persistTo, file];
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, [wranglerBin, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] }),
    );
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (stopping) return;
      if (code !== 0) fail(`seeding local KV failed (wrangler ${args.join(" ")}):\n${output}`);
      resolve(entries.map((e) => e.key));
    });
  });
}

/** Says where to point a client once the Worker answers; wrangler's own output stays as it is. */
async function announceWhenReady() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!stopping && Date.now() < deadline) {
    try {
      const response = await fetch(`http://${HOST}:${GATEWAY_PORT}/healthz`);
      if (response.ok) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        say(
          [
            `gateway ready after ${seconds} s: http://${HOST}:${GATEWAY_PORT}/mcp (server 'everything' registered)`,
            `[dev]   try it:  npm run inspector  → Streamable HTTP, URL http://${HOST}:${GATEWAY_PORT}/mcp`,
            `[dev]   admin:   http://${HOST}:${GATEWAY_PORT}/admin (sign in with ADMIN_TOKEN from .dev.vars.example)`,
            `[dev]   stop it: Ctrl-C (or 'x' in wrangler's prompt)`,
          ].join("\n"),
        );
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function prefixLines(prefix, text) {
  return text.replace(/^(?=.)/gm, prefix);
}

function onSignal(signal) {
  if (stopping) return;
  stopping = true;
  process.exitCode = 130;
  say(`${signal}: stopping wrangler and server-everything`);
  stopAll();
  // Exit once wrangler has shut workerd down; do not wait forever for it.
  setTimeout(() => process.exit(130), 10_000).unref();
}

process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGHUP", () => onSignal("SIGHUP"));
process.on("exit", stopAll);

// Under `npm run dev` a SIGTERM sent to npm is not passed on by the shell between us, so
// we would be orphaned with our children: notice the parent going away and stop.
if (process.env.npm_lifecycle_event === "dev") {
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && onSignal("parent exited"), 1000).unref();
}

await ensurePortFree(EVERYTHING_PORT, "server-everything");
await ensurePortFree(GATEWAY_PORT, "wrangler dev");
say(`starting server-everything on ${HOST}:${EVERYTHING_PORT} and seeding local KV from config/sample/`);
const [, keys] = await Promise.all([startEverything(), seedKv()]);
say(`local KV (binding CONFIG, ${persistTo}) seeded with: ${keys.join(", ")}`);

// A signal may have arrived while starting: then there is nothing left to run.
if (!stopping) {
  const wrangler = track(
    spawn(
      process.execPath,
      [wranglerBin, "dev", "--ip", HOST, "--port", String(GATEWAY_PORT), "--persist-to", persistTo, ...exampleVars()],
      { cwd: root, stdio: "inherit" },
    ),
  );
  wrangler.on("exit", (code, signal) => {
    stopping = true;
    stopAll();
    process.exit(code ?? (signal ? 130 : 0));
  });
  void announceWhenReady();
}
