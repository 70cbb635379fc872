#!/usr/bin/env node
// Runs @modelcontextprotocol/server-everything bound to 127.0.0.1 only: over Streamable
// HTTP (`/mcp`), or with EVERYTHING_TRANSPORT=sse over the 2024-11-05 HTTP+SSE transport
// (`/sse`, messages to `/message`). The package listens on every interface and has no host
// option, so this wrapper pins Node's listen() to loopback before loading it, and says
// `listening on port <port>` once it listens (the SSE server says nothing of the kind).
// Port: the PORT environment variable.
import http from "node:http";

const sse = process.env.EVERYTHING_TRANSPORT === "sse";

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = Number(args[0]);
    const callback = args.find((a) => typeof a === "function");
    return listen.call(this, port, "127.0.0.1", () => {
      if (sse) console.error(`HTTP+SSE transport listening on port ${port}`);
      callback?.();
    });
  }
  return listen.apply(this, args);
};

await import(`@modelcontextprotocol/server-everything/dist/transports/${sse ? "sse" : "streamableHttp"}.js`);
