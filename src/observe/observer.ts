// Where the gateway reports what it did: every JSON-RPC request's outcome, and every
// upstream call's agent, server, item, outcome and latency. Calls become Analytics Engine
// data points when the METRICS binding is configured; everything also goes to this
// isolate's ops report, which is sent on to the GatewayStatus object shortly after
// (see flushOpsSoon), for /status.
import { opsReport } from "./ops-report.js";
import { log } from "./log.js";

export interface CallOutcome {
  agent: string;
  server: string;
  method: string;
  /** The upstream's own tool or prompt name, or the resource URI; the method when there is none. */
  item: string;
  /** "ok", an upstream JSON-RPC error as "error:<code>", or the gateway's data.code. */
  status: string;
  latencyMs: number;
}

export interface Observer {
  request(failed: boolean): void;
  call(outcome: CallOutcome): void;
}

export type WaitUntil = (promise: Promise<unknown>) => void;

/** An observer bound to this invocation: its env (bindings) and its way to finish work after answering. */
export function observerFor(env: Env, waitUntil: WaitUntil): Observer {
  return {
    request(failed) {
      opsReport.request(failed);
      flushOpsSoon(env, waitUntil);
    },
    call(outcome) {
      const failed = outcome.status !== "ok";
      opsReport.call(outcome.agent, outcome.server, outcome.item, failed, outcome.latencyMs);
      writeDataPoint(env.METRICS, outcome);
      flushOpsSoon(env, waitUntil);
    },
  };
}

/**
 * One data point per upstream call. Blobs: agent, server, method, item, status; doubles:
 * latency in ms, 1 if failed; index: the agent (the sampling key).
 */
export function writeDataPoint(dataset: AnalyticsEngineDataset | undefined, outcome: CallOutcome): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint({
      blobs: [outcome.agent, outcome.server, outcome.method, outcome.item.slice(0, 1024), outcome.status],
      doubles: [outcome.latencyMs, outcome.status === "ok" ? 0 : 1],
      indexes: [outcome.agent.slice(0, 96)],
    });
  } catch (error) {
    log("warn", "metrics.write_failed", { reason: String(error) });
  }
}

/** Reports are batched: at most one in flight per isolate, sent this long after the first new fact. */
const FLUSH_DELAY_MS = 200;
let flushing = false;

/** Sends this isolate's ops report to the GatewayStatus object soon, unless a send is already pending. */
export function flushOpsSoon(env: Env, waitUntil: WaitUntil): void {
  if (flushing || !opsReport.dirty) return;
  flushing = true;
  const flush = async () => {
    try {
      // Facts that arrive while a report is on its way go in the next one, from this same loop.
      do {
        await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS));
        const delta = opsReport.take();
        await env.GATEWAY_STATUS.get(env.GATEWAY_STATUS.idFromName(GATEWAY_STATUS_NAME)).record(delta);
      } while (opsReport.dirty);
    } catch (error) {
      log("warn", "status.report_failed", { reason: String(error) });
    } finally {
      flushing = false;
    }
  };
  waitUntil(flush());
}

/** The one GatewayStatus object every isolate reports to. */
export const GATEWAY_STATUS_NAME = "gateway";
