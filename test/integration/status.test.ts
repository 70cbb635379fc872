// GET /status as an operator sees it: behind the admin token; the configuration in
// force with its invalid entries and why; every registered upstream with its era, health,
// breaker, last error and latency; counts of sessions, requests and calls; per agent,
// server and item call metrics; and nothing secret. Every isolate reports a moment after
// the facts, and the totals outlive a test, so tests poll and compare with before, and
// name their upstreams afresh so that each one's figures start at zero.
import { inject, describe, expect, it } from "vitest";
import { GatewayClient, gatewayFetch, TEST_API_KEY } from "./support/client.js";
import { putServer, seedConfig, TEST_AGENT } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { postModern } from "./support/hostile.js";
import { fetchStatus, metricIn, readStatus, upstreamIn, waitForStatus } from "./support/status.js";
import { sha256Hex } from "../../src/observe/hash.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** A server name no earlier test used, so its figures in /status start from nothing. */
const freshName = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("/status", () => {
  describe("access", () => {
    it.each([
      ["no Authorization header", ""],
      ["a wrong token", "Bearer not-the-admin-token"],
      ["an agent's API key", `Bearer ${TEST_API_KEY}`],
      ["the admin token under another scheme", `Basic ${inject("adminToken")}`],
    ])("refuses %s with 401, a challenge and a JSON reason", async (_what, authorization) => {
      await seedConfig({});
      const response = await fetchStatus(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = await response.json<Record<string, unknown>>();
      expect(body).toEqual({ error: expect.stringContaining("ADMIN_TOKEN") });
      expect(JSON.stringify(body)).not.toContain(inject("adminToken"));
    });

    it("answers the admin token, uncached", async () => {
      await seedConfig({});
      const response = await fetchStatus();
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      await response.body?.cancel();
    });

    it("leaves /healthz open to anyone", async () => {
      const response = await gatewayFetch("/healthz", { headers: { authorization: "" } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    });
  });

  describe("configuration", () => {
    it("reports the configuration in force, its invalid entries and why, and every registration", async () => {
      const tenant = FixtureTenant.create("status-config");
      const good = freshName("good");
      await seedConfig({
        servers: {
          [good]: { url: tenant.url },
          bad: { url: 5 },
          "needs-secret": { url: tenant.url, headers: { authorization: "Bearer ${NO_SUCH_SECRET}" } },
        },
        agents: { reader: { allow: { servers: ["ghost"] } } },
        virtualServers: { desk: { servers: [good], agents: ["*"], exposure: "discovery" } },
        apiKeys: { "reader-key-0123456789": { agent: "reader" } },
      });
      const { report } = await readStatus();
      expect(report.gateway).toEqual({ name: "mcp-edge-gateway", version: expect.any(String) });
      expect(report.generatedAt).toMatch(ISO);
      expect(report.countingSince).toMatch(ISO);
      expect(report.config).toEqual({
        revision: expect.stringMatching(/^[0-9a-f]{12}$/),
        loadedAt: expect.stringMatching(ISO),
        servers: 1,
        agents: 2,
        virtualServers: 1,
        apiKeys: 2,
        exposure: { default: "direct", agents: {}, virtualServers: { desk: "discovery" } },
        oauthIssuers: [],
        invalidEntries: expect.arrayContaining([
          { key: "server:bad", problem: expect.stringContaining("url"), keptLastGood: false },
          { key: "server:needs-secret", problem: expect.stringContaining("NO_SUCH_SECRET"), keptLastGood: false },
        ]),
        warnings: [expect.stringContaining("ghost")],
      });
      expect(report.config.invalidEntries).toHaveLength(2);

      expect(report.upstreams.map((u) => u.name)).toEqual([good, "bad", "needs-secret"].sort());
      expect(upstreamIn(report, good)).toMatchObject({ usable: true, host: new URL(tenant.url).host });
      expect(upstreamIn(report, "bad")).toMatchObject({
        usable: false,
        problem: expect.any(String),
        key: "server:bad",
        health: "unknown",
      });
      expect(upstreamIn(report, "bad").host).toBeUndefined();
      expect(upstreamIn(report, "needs-secret")).toMatchObject({
        usable: false,
        problem: expect.stringContaining("NO_SUCH_SECRET"),
        key: "server:needs-secret",
      });
    });

    it("says when an entry that turned invalid is still served as it last was", async () => {
      const tenant = FixtureTenant.create("status-kept");
      await seedConfig({ servers: { fx: { url: tenant.url } }, settings: { configRefreshSeconds: 1 } });
      const { report: before } = await readStatus();
      expect(before.config.invalidEntries).toEqual([]);
      await putServer("fx", { url: 5 });
      const after = await waitForStatus((report) => {
        expect(report.config.invalidEntries).toEqual([
          { key: "server:fx", problem: expect.any(String), keptLastGood: true },
        ]);
      });
      expect(after.config.revision).not.toBe(before.config.revision);
      expect(upstreamIn(after, "fx")).toMatchObject({ usable: true, host: new URL(tenant.url).host });
    });
  });

  describe("upstreams", () => {
    it("shows an upstream nobody has called yet as unknown, with nothing counted", async () => {
      const tenant = FixtureTenant.create("status-idle");
      const idle = freshName("idle");
      await seedConfig({ servers: { [idle]: { url: tenant.url } } });
      const { report } = await readStatus();
      expect(upstreamIn(report, idle)).toEqual({
        name: idle,
        host: new URL(tenant.url).host,
        usable: true,
        era: "unknown",
        health: "unknown",
        breaker: { state: "closed" },
        requests: { ok: 0, failed: 0 },
        latency: { count: 0 },
      });
      expect((await tenant.stats()).requests).toEqual([]);
    });

    it("shows a legacy upstream's era and protocol version, and its health, once used", async () => {
      const tenant = FixtureTenant.create("status-legacy");
      const name = freshName("legacy");
      await seedConfig({ servers: { [name]: { url: tenant.url } } });
      const client = await GatewayClient.connect();
      expect(await client.callText(`${name}__echo`, { text: "hi" })).toBe("hi");
      const report = await waitForStatus((r) => {
        expect(upstreamIn(r, name)).toMatchObject({ era: "legacy", health: "ok" });
      });
      const upstream = upstreamIn(report, name);
      expect(upstream.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(upstream.protocolVersion).not.toBe("2026-07-28");
      expect(upstream.lastOkAt).toMatch(ISO);
      expect(upstream.lastError).toBeUndefined();
      expect(upstream.breaker.state).toBe("closed");
      expect(upstream.requests.failed).toBe(0);
      expect(upstream.requests.ok).toBeGreaterThan(0);
      expect(upstream.latency.count).toBe(upstream.requests.ok);
      expect(upstream.latency).toEqual({
        count: expect.any(Number),
        avgMs: expect.any(Number),
        p50Ms: expect.any(Number),
        p95Ms: expect.any(Number),
        p99Ms: expect.any(Number),
        maxMs: expect.any(Number),
      });
    });

    it.each([
      ["refuses connections", "SERVER_UNAVAILABLE", "refused"],
      ["never answers", "TIMEOUT", "hang"],
      ["answers garbage", "UPSTREAM_ERROR", "garbage"],
    ])("shows the last error of an upstream that %s, and its health failing", async (_what, code, kind) => {
      const tenant = FixtureTenant.create("status-fault");
      const name = freshName("fault");
      const url = kind === "refused" ? `${inject("refusedOrigin")}/gone/mcp` : tenant.url;
      if (kind !== "refused") await tenant.configure({ fault: { kind: kind as "hang" | "garbage" } });
      await seedConfig({ servers: { [name]: { url, timeoutMs: 300 } } });
      const client = await GatewayClient.connect();
      expect((await client.call(`${name}__echo`)).error?.data?.code).toBe(code);
      const report = await waitForStatus((r) => {
        expect(upstreamIn(r, name).lastError?.code).toBe(code);
      });
      const upstream = upstreamIn(report, name);
      expect(upstream).toMatchObject({
        host: new URL(url).host,
        health: "failing",
        era: "unknown",
        lastError: { code, message: expect.stringContaining(`'${name}'`), at: expect.stringMatching(ISO) },
      });
      expect(upstream.requests.failed).toBeGreaterThan(0);
    });

    it("shows an open breaker while the upstream keeps failing, the healthy one ok, and the recovery", async () => {
      const healthyTenant = FixtureTenant.create("status-healthy");
      const faultyTenant = FixtureTenant.create("status-faulty");
      const healthy = freshName("healthy");
      const faulty = freshName("faulty");
      await seedConfig({
        servers: { [healthy]: { url: healthyTenant.url }, [faulty]: { url: faultyTenant.url } },
        settings: { breakerFailures: 2, breakerOpenSeconds: 1 },
      });
      const client = await GatewayClient.connect();
      for (let i = 0; i < 2; i++)
        expect((await client.call(`${faulty}__http500`)).error?.data?.code).toBe("UPSTREAM_ERROR");
      expect((await client.call(`${faulty}__echo`)).error?.data?.["breaker"]).toBe("open");
      expect(await client.callText(`${healthy}__echo`, { text: "fine" })).toBe("fine");

      const open = await waitForStatus((r) => {
        expect(upstreamIn(r, faulty).breaker.state).toBe("open");
        expect(upstreamIn(r, healthy).lastOkAt).toBeDefined();
      });
      expect(upstreamIn(open, faulty)).toMatchObject({
        health: "failing",
        breaker: { state: "open", since: expect.stringMatching(ISO) },
        lastError: { code: "UPSTREAM_ERROR", message: expect.stringContaining("500") },
        requests: { failed: 2 },
      });
      expect(upstreamIn(open, healthy)).toMatchObject({ health: "ok", breaker: { state: "closed" } });

      await sleep(1300);
      expect(await client.callText(`${faulty}__echo`, { text: "back" })).toBe("back");
      const recovered = await waitForStatus((r) => {
        expect(upstreamIn(r, faulty).breaker.state).toBe("closed");
      });
      const upstream = upstreamIn(recovered, faulty);
      expect(upstream.health).toBe("ok");
      expect(upstream.lastError?.code).toBe("UPSTREAM_ERROR");
      expect(Date.parse(upstream.lastOkAt!)).toBeGreaterThanOrEqual(Date.parse(upstream.lastError!.at));
      expect(Date.parse(upstream.breaker.since!)).toBeGreaterThan(Date.parse(upstreamIn(open, faulty).breaker.since!));
    });
  });

  describe("counts and metrics", () => {
    it("counts calls and call errors per agent, server and item, with their latency", async () => {
      const tenant = FixtureTenant.create("status-calls");
      const name = freshName("calls");
      await seedConfig({ servers: { [name]: { url: tenant.url } } });
      const { report: before } = await readStatus();
      const client = await GatewayClient.connect();
      expect(await client.callText(`${name}__echo`, { text: "1" })).toBe("1");
      expect(await client.callText(`${name}__echo`, { text: "2" })).toBe("2");
      expect((await client.call(`${name}__fail`)).error?.code).toBe(-32050);
      expect((await client.call(`${name}__http500`)).error?.data?.code).toBe("UPSTREAM_ERROR");
      await client.result("prompts/get", { name: `${name}__greeting`, arguments: { who: "Ada" } });
      const uri = `fixture://${tenant.name}/readme`;
      await client.result("resources/read", { uri });

      const report = await waitForStatus((r) => {
        expect(metricIn(r, TEST_AGENT, name, "echo")?.calls).toBe(2);
        expect(metricIn(r, TEST_AGENT, name, "fail")?.calls).toBe(1);
        expect(metricIn(r, TEST_AGENT, name, "http500")?.calls).toBe(1);
        expect(metricIn(r, TEST_AGENT, name, "greeting")?.calls).toBe(1);
        expect(metricIn(r, TEST_AGENT, name, uri)?.calls).toBe(1);
      });
      expect(metricIn(report, TEST_AGENT, name, "echo")).toMatchObject({ errors: 0, latency: { count: 2 } });
      expect(metricIn(report, TEST_AGENT, name, "fail")).toMatchObject({ errors: 1, latency: { count: 1 } });
      expect(metricIn(report, TEST_AGENT, name, "http500")).toMatchObject({ errors: 1, latency: { count: 1 } });
      expect(metricIn(report, TEST_AGENT, name, "greeting")).toMatchObject({ errors: 0 });
      expect(metricIn(report, TEST_AGENT, name, "echo")!.latency).toEqual({
        count: 2,
        avgMs: expect.any(Number),
        p50Ms: expect.any(Number),
        p95Ms: expect.any(Number),
        p99Ms: expect.any(Number),
        maxMs: expect.any(Number),
      });
      expect(report.metrics.filter((m) => m.server === name)).toHaveLength(5);
      expect(report.counts.calls).toBeGreaterThanOrEqual(before.counts.calls + 6);
      expect(report.counts.callErrors).toBeGreaterThanOrEqual(before.counts.callErrors + 2);
      expect(report.counts.requests).toBeGreaterThanOrEqual(before.counts.requests + 6);
      expect(report.counts.errors).toBeGreaterThanOrEqual(before.counts.errors + 2);
      // The busiest series first.
      const calls = report.metrics.map((m) => m.calls);
      expect(calls).toEqual([...calls].sort((a, b) => b - a));
    });

    it("counts a sub-agent's calls under its own name, and current-era calls like any other", async () => {
      const tenant = FixtureTenant.create("status-agents");
      const name = freshName("agents");
      const helper = freshName("helper");
      await seedConfig({
        servers: { [name]: { url: tenant.url } },
        agents: {
          [TEST_AGENT]: { allow: { servers: ["*"], delegates: [helper] } },
          [helper]: { allow: { servers: ["*"] } },
        },
      });
      const asHelper = await GatewayClient.open({ subAgent: helper });
      expect(await asHelper.callText(`${name}__echo`, { text: "helper" })).toBe("helper");
      const modern = await postModern("tools/call", { name: `${name}__echo`, arguments: { text: "modern" } });
      expect(modern.status).toBe(200);
      expect(await modern.text()).toContain('"modern"');

      await waitForStatus((r) => {
        expect(metricIn(r, helper, name, "echo")).toMatchObject({ calls: 1, errors: 0 });
        expect(metricIn(r, TEST_AGENT, name, "echo")).toMatchObject({ calls: 1, errors: 0 });
      });
    });

    it("counts sessions as they start and end", async () => {
      await seedConfig({});
      const { report: before } = await readStatus();
      const client = await GatewayClient.connect();
      const started = await waitForStatus((r) => {
        expect(r.counts.sessions.started).toBeGreaterThanOrEqual(before.counts.sessions.started + 1);
      });
      expect((await client.end()).status).toBe(204);
      const ended = await waitForStatus((r) => {
        expect(r.counts.sessions.ended).toBeGreaterThanOrEqual(started.counts.sessions.ended + 1);
      });
      for (const report of [before, started, ended]) {
        const { sessions } = report.counts;
        expect(sessions.active).toBe(sessions.started - sessions.ended);
      }
    });
  });

  describe("secrets", () => {
    it("holds no secret, key, token, or upstream URL path or query, even after faults", async () => {
      const tenant = FixtureTenant.create("status-secret");
      const name = freshName("secret");
      const gone = freshName("gone");
      const urlToken = `url-token-${crypto.randomUUID()}`;
      const secret = inject("fixtureSecret");
      await seedConfig({
        servers: {
          [name]: {
            url: `${tenant.url}?token=${urlToken}`,
            headers: { authorization: "Bearer ${FIXTURE_SECRET}", "x-upstream-key": "${FIXTURE_SECRET}" },
          },
          [gone]: { url: `${inject("refusedOrigin")}/private-path-${urlToken}/mcp` },
        },
      });
      const client = await GatewayClient.connect();
      expect(await client.callText(`${name}__echo`, { text: "x" })).toBe("x");
      expect((await client.call(`${name}__http500`)).error).toBeDefined();
      expect((await client.call(`${gone}__echo`)).error).toBeDefined();
      // The upstream did get the secret: it was configured, only never shown.
      const sent = (await tenant.stats()).requests.find((r) => r.tool === "echo");
      expect(sent?.headers["authorization"]).toBe(`Bearer ${secret}`);

      await waitForStatus((r) => {
        expect(upstreamIn(r, name).lastError).toBeDefined();
        expect(upstreamIn(r, gone).lastError).toBeDefined();
      });
      const { text } = await readStatus();
      const forbidden = [
        secret,
        TEST_API_KEY,
        await sha256Hex(TEST_API_KEY),
        inject("adminToken"),
        urlToken,
        tenant.name,
        "private-path",
      ];
      for (const value of forbidden) expect(text, value).not.toContain(value);
    });
  });
});
