// Reads a CPU profile of the gateway isolate: where samples fall, by function (self time) and
// charged to the nearest frame in the gateway's own src/ (so library and runtime time lands on
// the gateway code that asked for it). Locations are mapped back through the bundle's source map.
import { SourceMap } from "node:module";
import type { CpuProfile } from "./inspector.js";

export interface ProfileLine {
  /** Share of the busy (non-idle) samples, in percent. */
  percent: number;
  where: string;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  bySelf: ProfileLine[];
  bySourceFrame: ProfileLine[];
}

type Node = CpuProfile["nodes"][number];
const IDLE = new Set(["(idle)", "(program)"]);

export function summarizeProfile(profile: CpuProfile, sourceMap: string, bundleUrl: string, top = 20): ProfileSummary {
  const map = new SourceMap(JSON.parse(sourceMap) as ConstructorParameters<typeof SourceMap>[0]);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const names = new Map<number, string>();
  const where = (node: Node): string => {
    const known = names.get(node.id);
    if (known !== undefined) return known;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    let place = url === "" ? "native" : url;
    if (url === bundleUrl) {
      const entry = map.findEntry(lineNumber, columnNumber);
      if ("originalSource" in entry) place = `${shorten(entry.originalSource)}:${entry.originalLine + 1}`;
    }
    const label = `${name} (${place})`;
    names.set(node.id, label);
    return label;
  };
  const inSrc = (node: Node) => node.callFrame.url === bundleUrl && where(node).includes("(src/");

  let busy = 0;
  let idle = 0;
  const self = new Map<string, number>();
  const charged = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    if (IDLE.has(node.callFrame.functionName)) {
      idle += dt;
      return;
    }
    busy += dt;
    self.set(where(node), (self.get(where(node)) ?? 0) + dt);
    let owner: number | undefined = id;
    while (owner !== undefined && !inSrc(byId.get(owner)!)) owner = parent.get(owner);
    const key = owner === undefined ? "(no frame of src/: runtime, framework, GC)" : where(byId.get(owner)!);
    charged.set(key, (charged.get(key) ?? 0) + dt);
  });
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([label, us]) => ({ percent: (us / busy) * 100, where: label }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, bySelf: rank(self), bySourceFrame: rank(charged) };
}

function shorten(source: string): string {
  const nodeModules = source.lastIndexOf("node_modules/");
  if (nodeModules >= 0) return source.slice(nodeModules + "node_modules/".length);
  const src = source.lastIndexOf("/src/");
  return src >= 0 ? source.slice(src + 1) : source;
}
