#!/usr/bin/env node
// Runs @modelcontextprotocol/server-everything (Streamable HTTP) bound to 127.0.0.1 only.
// The package listens on every interface and has no host option, so this wrapper pins
// Node's listen() to loopback before loading it. Port: the PORT environment variable.
import http from "node:http";

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = Number(args[0]);
    const callback = args.find((a) => typeof a === "function");
    return listen.call(this, port, "127.0.0.1", callback);
  }
  return listen.apply(this, args);
};

await import("@modelcontextprotocol/server-everything/dist/transports/streamableHttp.js");
