// Runs the floor Worker (floor-worker/worker.ts, transpiled here with TypeScript) in its
// own workerd through Miniflare: the pass-through and the Durable Object hop the gateway is
// compared with. It measures nothing.
import { readFile } from "node:fs/promises";
import ts from "typescript";
import { builtWorker } from "../../test/e2e/worker-bundle.js";
import { startWorkerd, type Workerd } from "./workerd.js";

const SOURCE = new URL("../floor-worker/worker.ts", import.meta.url);

export interface Floor extends Workerd {
  /** Worker → upstream. */
  passThrough(upstream: string): URL;
  /** Worker → Durable Object → upstream. */
  viaObject(upstream: string): URL;
}

export async function startFloor(upstreams: Record<string, string>): Promise<Floor> {
  const script = ts.transpileModule(await readFile(SOURCE, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  // The gateway's runtime settings, so the two differ only in what their code does.
  const { compatibilityDate, compatibilityFlags } = await builtWorker();
  const workerd = await startWorkerd([
    {
      config: {
        name: "floor",
        compatibilityDate,
        compatibilityFlags,
        manifest: { mainModule: "worker.js", modules: { "worker.js": { type: "esm", contents: script } } },
        env: {
          UPSTREAMS: { type: "json", value: upstreams },
          HOP: { type: "durable-object", worker: "floor", exportName: "Hop" },
        },
        exports: { Hop: { type: "durable-object", storage: "sqlite" } },
      },
    },
  ]);
  return {
    ...workerd,
    passThrough: (upstream) => new URL(`/direct/${upstream}`, workerd.origin),
    viaObject: (upstream) => new URL(`/do/${upstream}`, workerd.origin),
  };
}
