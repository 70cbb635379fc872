// `npm run bench`: starts the upstreams, the floor Worker and the gateway (in workerd, through
// Miniflare, on 127.0.0.1), measures them side by side, prints the tables and writes
// bench/results/<timestamp>.json. Everything it starts it stops, on error and Ctrl-C too.
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { readOptions, USAGE, type BenchOptions } from "./options.js";
import { Teardown } from "./launch/teardown.js";
import { openUpstreamSessions } from "./launch/upstream-sessions.js";
import { countLogs, startStack } from "./launch/stack.js";
import { known, memoryOf } from "./launch/processes.js";
import {
  closeClients,
  measureSingleUpstream,
  openClients,
  type Clients,
  type Endpoint,
  type ScenarioResult,
} from "./scenarios/single-upstream.js";
import { measureCold, measureWarm } from "./scenarios/aggregate.js";
import { measureDiscovery } from "./scenarios/discovery.js";
import { measureGuards } from "./scenarios/guards.js";
import { guardsTarget } from "./report/guards-table.js";
import { callTargets, coldTargets, discoveryTargets, warmTargets } from "./report/targets.js";
import { renderReport } from "./report/table.js";
import { writeResults } from "./report/write.js";
import { profileGateway } from "./profile/run-profile.js";
import type { BenchResults } from "./report/results.js";

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(options: BenchOptions, teardown: Teardown): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  if (loadBefore > cpus().length / 2)
    progress(`the machine is busy (load ${loadBefore.toFixed(1)} on ${cpus().length} CPUs): expect noisy numbers`);
  progress("starting upstreams, building the gateway (wrangler deploy --dry-run), starting workerd…");
  const stack = await startStack(options, teardown);
  const { upstream, aggregated, processes } = stack;
  const sampleMemory = async (after: string) => {
    for (const info of Object.values(processes)) {
      const memory = await memoryOf(info.pid);
      if (memory) info.memory.push({ after, ...memory });
    }
  };
  await sampleMemory("idle");

  const clients: Clients[] = [];
  teardown.add("sessions", () => Promise.allSettled(clients.map(closeClients)));
  const singleUpstream: ScenarioResult[] = [];
  if (stack.gateway && stack.floor) {
    const { gateway, floor } = stack;
    const echo = upstream.urls["echo"]!;
    const onUpstream = known({ upstream: upstream.pid });
    const onFloor = known({ workerd: floor.pid, upstream: upstream.pid });
    const onGateway = known({ workerd: gateway.pid, upstream: upstream.pid });
    const endpoints: Endpoint[] = [
      { id: "direct", url: new URL(echo), era: "legacy", echoName: "echo", processes: onUpstream },
      { id: "floor", url: floor.passThrough("echo"), era: "legacy", echoName: "echo", processes: onFloor },
      { id: "floorObject", url: floor.viaObject("echo"), era: "legacy", echoName: "echo", processes: onFloor },
      { id: "gateway", url: gateway.endpoint, era: "legacy", echoName: "echo__echo", processes: onGateway },
      { id: "gatewayModern", url: gateway.endpoint, era: "modern", echoName: "echo__echo", processes: onGateway },
    ];
    for (const endpoint of endpoints) clients.push(await openClients(endpoint, options.concurrency));

    for (const method of ["tools/call", "tools/list"] as const) {
      for (const concurrency of [1, options.concurrency]) {
        progress(`${method}, concurrency ${concurrency}, ${options.seconds}s…`);
        singleUpstream.push(
          await measureSingleUpstream(clients, method, {
            concurrency,
            perClient: options.batch,
            seconds: options.seconds,
            warmupRounds: 1,
          }),
        );
        await sampleMemory(`${method.slice(6)} c${concurrency}`);
      }
    }
  }

  let aggregation: BenchResults["aggregation"];
  if (stack.aggGateway && stack.coldGateway && stack.floor) {
    const { aggGateway, coldGateway, floor } = stack;
    const aggNames = Object.keys(aggregated);
    const expectedTools = options.aggregatedUpstreams * options.aggregatedTools;
    progress(`warm aggregated tools/list, ${options.seconds}s…`);
    const warm = await measureWarm(
      {
        gateway: aggGateway.endpoint,
        direct: new URL(aggregated[aggNames[0]!]!),
        floor: floor.passThrough(aggNames[0]!),
        floorObject: floor.viaObject(aggNames[0]!),
        pids: { gateway: aggGateway.pid, floor: floor.pid, upstream: upstream.pid },
        expectedTools,
      },
      { perClient: Math.max(1, Math.round(options.batch / 4)), seconds: options.seconds, warmupRounds: 1 },
    );
    await sampleMemory("warm agg");
    progress(`cold aggregated tools/list, ${options.coldIterations} iterations…`);
    const cold = await measureCold(
      { gateway: coldGateway.endpoint, upstreams: Object.values(aggregated).map((u) => new URL(u)), expectedTools },
      options.coldIterations,
    );
    await sampleMemory("cold agg");
    aggregation = { upstreams: options.aggregatedUpstreams, toolsEach: options.aggregatedTools, warm, cold };
  }

  const discovery = stack.discovery
    ? await measureDiscovery(stack.discovery, options, upstream.pid, sampleMemory, progress)
    : undefined;

  let guards: BenchResults["guards"];
  if (stack.guardsGateway) {
    progress(`guards: a 10 KB report with and without the PII guard, ${options.seconds}s…`);
    guards = await measureGuards(
      {
        endpoint: stack.guardsGateway.endpoint,
        processes: known({ workerd: stack.guardsGateway.pid, upstream: upstream.pid }),
      },
      { perClient: options.batch, seconds: options.seconds, warmupRounds: 1 },
    );
    await sampleMemory("guards");
  }

  // Every client session is ended; what upstream sessions remain should be the gateways' held ones.
  await Promise.allSettled(clients.splice(0).map(closeClients));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const upstreamSessionsLeft = await openUpstreamSessions({ ...upstream.urls, ...stack.discovery?.catalog.urls });
  countLogs(stack);

  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    options,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "?",
      node: process.version,
      platform: process.platform,
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
    },
    git: gitState(),
    singleUpstream,
    ...(aggregation ? { aggregation } : {}),
    ...(discovery ? { discovery } : {}),
    ...(guards ? { guards } : {}),
    processes,
    upstreamSessionsLeft,
    targets: [
      ...callTargets(singleUpstream),
      ...(aggregation ? [...warmTargets(aggregation.warm), ...coldTargets(aggregation.cold)] : []),
      ...(discovery ? discoveryTargets(discovery) : []),
      ...(guards ? [guardsTarget(guards)] : []),
    ],
  };
  process.stdout.write(`\n${renderReport(results)}\n\n`);
  progress(`wrote ${await writeResults(results)} and bench/results/latest.json`);
}

function gitState(): BenchResults["git"] {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
    return { commit: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain").length > 0 };
  } catch {
    return { commit: "unknown", dirty: true };
  }
}

const options = readOptions();
if (options === "help") {
  process.stdout.write(`${USAGE}\n`);
} else {
  const teardown = new Teardown();
  teardown.onSignals();
  try {
    await (options.profile ? profileGateway(options, teardown) : main(options, teardown));
  } catch (error) {
    process.exitCode = 1;
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await teardown.run();
  }
}
