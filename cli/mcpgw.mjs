#!/usr/bin/env node
// The `mcpgw` bin: runs cli/main.ts with the project's tsx, on the project's Node 22 (the
// `node` devDependency) when it is installed, so `npx mcpgw …` works on the system's Node 20.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const projectNode = join(root, "node_modules", "node", "bin", "node");
const node = existsSync(projectNode) ? projectNode : process.execPath;
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
const child = spawn(node, [tsx, join(root, "cli", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
