// Call metrics as Analytics Engine data points (one per upstream call, in a fixed layout
// that dashboards query by position), and the batching of this isolate's report to the
// GatewayStatus object. A missing or failing dataset must never fail a call.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { observerFor, writeDataPoint, type CallOutcome } from "../../src/observe/observer.js";
import { opsReport, type OpsDelta } from "../../src/observe/ops-report.js";

const OUTCOME: CallOutcome = {
  agent: "support-bot",
  server: "github",
  method: "tools/call",
  item: "create_issue",
  status: "ok",
  latencyMs: 42,
};

function fakeDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  const dataset: AnalyticsEngineDataset = { writeDataPoint: (point) => void points.push(point ?? {}) };
  return { dataset, points };
}

describe("writeDataPoint", () => {
  it("writes one point: agent, server, method, item and status as blobs, latency and failure as doubles", () => {
    const { dataset, points } = fakeDataset();
    writeDataPoint(dataset, OUTCOME);
    expect(points).toEqual([
      {
        blobs: ["support-bot", "github", "tools/call", "create_issue", "ok"],
        doubles: [42, 0],
        indexes: ["support-bot"],
      },
    ]);
  });

  it.each(["error:-32050", "TIMEOUT", "SERVER_UNAVAILABLE"])("counts a call with status %s as failed", (status) => {
    const { dataset, points } = fakeDataset();
    writeDataPoint(dataset, { ...OUTCOME, status, latencyMs: 300 });
    expect(points[0]?.blobs?.[4]).toBe(status);
    expect(points[0]?.doubles).toEqual([300, 1]);
  });

  it("cuts a long item (a resource URI) to 1024 characters and the agent index to 96", () => {
    const { dataset, points } = fakeDataset();
    const agent = "a".repeat(63);
    writeDataPoint(dataset, { ...OUTCOME, agent, method: "resources/read", item: `file:///${"x".repeat(5000)}` });
    expect((points[0]?.blobs?.[3] as string).length).toBe(1024);
    expect(points[0]?.indexes).toEqual([agent]);

    writeDataPoint(dataset, { ...OUTCOME, agent: "b".repeat(200) });
    expect(points[1]?.indexes).toEqual(["b".repeat(96)]);
  });

  it("does nothing without a dataset (the METRICS binding is optional)", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(() => writeDataPoint(undefined, OUTCOME)).not.toThrow();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("never throws when the dataset does, and logs a warning instead", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const dataset: AnalyticsEngineDataset = {
      writeDataPoint: () => {
        throw new Error("quota exceeded");
      },
    };
    expect(() => writeDataPoint(dataset, OUTCOME)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(warn.mock.calls[0]![0]))).toMatchObject({
      level: "warn",
      event: "metrics.write_failed",
      reason: expect.stringContaining("quota exceeded"),
    });
    warn.mockRestore();
  });
});

describe("observerFor", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    opsReport.take();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeEnv() {
    const { dataset, points } = fakeDataset();
    const reports: OpsDelta[] = [];
    const status = { record: (delta: OpsDelta) => void reports.push(delta) };
    const env = {
      METRICS: dataset,
      GATEWAY_STATUS: { idFromName: (name: string) => name, get: () => status },
    } as unknown as Env;
    const pending: Array<Promise<unknown>> = [];
    return { env, points, reports, waitUntil: (p: Promise<unknown>) => void pending.push(p), pending };
  }

  it("writes each call's data point at once, and sends what came together as one report shortly after", async () => {
    const { env, points, reports, waitUntil, pending } = fakeEnv();
    const observer = observerFor(env, waitUntil);
    observer.call(OUTCOME);
    observer.call({ ...OUTCOME, status: "TIMEOUT", latencyMs: 3000 });
    observer.request(false);
    observer.request(true);
    expect(points).toHaveLength(2);
    expect(reports).toEqual([]);

    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(pending);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ requests: 2, errors: 1 });
    expect(Object.values(reports[0]!.calls)).toEqual([
      expect.objectContaining({
        agent: "support-bot",
        server: "github",
        item: "create_issue",
        calls: 2,
        errors: 1,
        latency: expect.objectContaining({ count: 2, maxMs: 3000 }),
      }),
    ]);
    expect(opsReport.dirty).toBe(false);
  });

  it("sends a fact that came while the previous report was on its way, without waiting for another", async () => {
    const { env, reports, waitUntil, pending } = fakeEnv();
    let arrive: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (arrive = resolve));
    const status = {
      record: (delta: OpsDelta) => {
        reports.push(delta);
        return reports.length === 1 ? slow : undefined;
      },
    };
    (env as unknown as { GATEWAY_STATUS: unknown }).GATEWAY_STATUS = {
      idFromName: (n: string) => n,
      get: () => status,
    };
    const observer = observerFor(env, waitUntil);
    observer.call(OUTCOME);
    await vi.advanceTimersByTimeAsync(1000);
    expect(reports).toHaveLength(1);

    observer.call({ ...OUTCOME, item: "close_issue" });
    arrive();
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(pending);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(pending);
    expect(reports).toHaveLength(2);
    expect(Object.values(reports[1]!.calls)).toEqual([expect.objectContaining({ item: "close_issue", calls: 1 })]);
  });
});
