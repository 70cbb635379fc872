// tools/list over many upstreams (10 × 100 tools by default), warm and cold.
//   Warm: the gateway's catalog is cached; one session lists again and again, interleaved
//   with one upstream's tools/list directly and through the floor (the same 100 tools).
//   Cold: a gateway whose catalogTtlSeconds is 0, so nothing is cached. Each iteration, in
//   alternating order: a fresh 2025-era session (initialize, then its first tools/list), a
//   stateless 2026-07-28 tools/list, and directly 10 fresh sessions at once (each initialize
//   + tools/list; the slowest one counts), then on those open sessions 10 tools/list at once
//   (the slowest counts). Sessions are closed after each iteration.
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { interleave, type InterleaveOptions } from "../measure/interleave.js";
import { measuredOf, measuredOfSamples, type Measured } from "../measure/stats.js";
import { known } from "../launch/processes.js";

export interface WarmTargets {
  gateway: URL;
  /** PIDs for CPU time per request: the aggregating gateway's workerd, the floor's, the upstreams'. */
  pids: { gateway?: number; floor?: number; upstream?: number };
  /** One aggregated upstream: directly, through the floor, through the floor's object hop. */
  direct: URL;
  floor: URL;
  floorObject: URL;
  /** How many tools the gateway should list in all, to check the listing is whole. */
  expectedTools: number;
}

export interface ColdTargets {
  gateway: URL;
  upstreams: URL[];
  expectedTools: number;
}

export async function measureWarm(
  targets: WarmTargets,
  options: Omit<InterleaveOptions, "minRounds" | "concurrency">,
): Promise<Record<string, Measured>> {
  const agent = keepAliveAgent(1);
  const open = async (url: URL) => (await LegacySession.open(agent, url)).session;
  const clients: Record<string, McpClient> = {
    direct: await open(targets.direct),
    floor: await open(targets.floor),
    floorObject: await open(targets.floorObject),
    gateway: await open(targets.gateway),
    gatewayModern: new ModernClient(agent, targets.gateway),
  };
  try {
    for (const id of ["gateway", "gatewayModern"]) {
      const tools = (await clients[id]!.request("tools/list")).result["tools"];
      if (!Array.isArray(tools) || tools.length !== targets.expectedTools)
        throw new Error(
          `the aggregating gateway listed ${Array.isArray(tools) ? tools.length : "no"} tools, not ${targets.expectedTools}`,
        );
    }
    const { pids } = targets;
    const processes: Record<string, Record<string, number>> = {
      direct: known({ upstream: pids.upstream }),
      floor: known({ workerd: pids.floor, upstream: pids.upstream }),
      floorObject: known({ workerd: pids.floor, upstream: pids.upstream }),
      gateway: known({ workerd: pids.gateway, upstream: pids.upstream }),
      gatewayModern: known({ workerd: pids.gateway, upstream: pids.upstream }),
    };
    const recorded = await interleave(
      Object.entries(clients).map(([id, client]) => ({
        id,
        processes: processes[id]!,
        run: async () => (await client.request("tools/list")).ms,
      })),
      { ...options, concurrency: 1, minRounds: 3 },
    );
    return Object.fromEntries([...recorded].map(([id, r]) => [id, measuredOf(r)]));
  } finally {
    await Promise.allSettled(Object.values(clients).map((c) => c.close()));
    agent.destroy();
  }
}

export interface ColdResult {
  /** Gateway, 2025 session: the first tools/list of a fresh session. */
  gatewayFirstList: Measured;
  /** Gateway, 2025 session: initialize + notifications/initialized + that first tools/list. */
  gatewayInitAndList: Measured;
  /** Gateway, 2026-07-28: one stateless tools/list. */
  gatewayModernList: Measured;
  /** Directly: the slowest of the upstreams' initialize + initialized + tools/list, all at once. */
  directInitAndList: Measured;
  /** Directly: the slowest of the upstreams' tools/list on open sessions, all at once. */
  directList: Measured;
}

export async function measureCold(targets: ColdTargets, iterations: number): Promise<ColdResult> {
  const agent = keepAliveAgent(targets.upstreams.length);
  const modern = new ModernClient(agent, targets.gateway);
  const samples: Record<keyof ColdResult, number[]> = {
    gatewayFirstList: [],
    gatewayInitAndList: [],
    gatewayModernList: [],
    directInitAndList: [],
    directList: [],
  };
  const record = (key: keyof ColdResult, ms: number, keep: boolean) => void (keep && samples[key].push(ms));

  const gatewaySession = async (keep: boolean) => {
    const { session, ms } = await LegacySession.open(agent, targets.gateway);
    try {
      const list = await session.request("tools/list");
      const tools = list.result["tools"];
      if (!Array.isArray(tools) || tools.length !== targets.expectedTools)
        throw new Error(
          `the cold gateway listed ${Array.isArray(tools) ? tools.length : "no"} tools, not ${targets.expectedTools}`,
        );
      record("gatewayFirstList", list.ms, keep);
      record("gatewayInitAndList", ms + list.ms, keep);
    } finally {
      await session.close();
    }
  };
  const gatewayModern = async (keep: boolean) =>
    record("gatewayModernList", (await modern.request("tools/list")).ms, keep);
  const direct = async (keep: boolean) => {
    const flows = await Promise.all(
      targets.upstreams.map(async (url) => {
        const { session, ms } = await LegacySession.open(agent, url);
        return { session, ms: ms + (await session.request("tools/list")).ms };
      }),
    );
    try {
      record("directInitAndList", Math.max(...flows.map((f) => f.ms)), keep);
      const lists = await Promise.all(flows.map((f) => f.session.request("tools/list")));
      record("directList", Math.max(...lists.map((l) => l.ms)), keep);
    } finally {
      await Promise.allSettled(flows.map((f) => f.session.close()));
    }
  };

  const steps = [gatewaySession, gatewayModern, direct];
  try {
    // One iteration unmeasured first: era probes, held sessions, connections.
    for (let i = 0; i <= iterations; i++) {
      for (let s = 0; s < steps.length; s++) await steps[(s + i) % steps.length]!(i > 0);
    }
  } finally {
    agent.destroy();
  }
  return {
    gatewayFirstList: measuredOfSamples(samples.gatewayFirstList),
    gatewayInitAndList: measuredOfSamples(samples.gatewayInitAndList),
    gatewayModernList: measuredOfSamples(samples.gatewayModernList),
    directInitAndList: measuredOfSamples(samples.directInitAndList),
    directList: measuredOfSamples(samples.directList),
  };
}
