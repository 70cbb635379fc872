// Hostile requests to GET /status, the operator's view: bent or oversized admin tokens,
// other methods and bent paths, hostile query strings, and a configuration full of
// secrets in the places an operator might put them by mistake. The report is served only
// to the admin token, on exactly GET /status, and never shows a secret, a URL's
// credentials, path or query, or an API key.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { gatewayFetch, TEST_API_KEY } from "./support/client.js";
import { forgetCaches, seedConfig, TEST_AGENT } from "./support/config.js";
import { captureLogs } from "./support/logs.js";
import { expectPrototypesClean } from "./support/hostile.js";
import { fetchStatus, readStatus } from "./support/status.js";

const admin = () => inject("adminToken");

beforeEach(async () => {
  await seedConfig({});
});

afterEach(() => {
  vi.restoreAllMocks();
  expectPrototypesClean();
});

describe("GET /status under hostile input", () => {
  it("refuses a bent, repeated or oversized admin token with 401, never echoing it", async () => {
    const values = [
      `Bearer ${admin()}, Bearer ${admin()}`,
      `Bearer ${admin()} extra`,
      `Bearer ${admin()}\u007f`,
      `Bearer ${admin().toUpperCase()}`,
      `Bearer ${admin().slice(0, -1)}`,
      `Bearer ${admin()}${"x".repeat(100_000)}`,
      `Bearer ${TEST_API_KEY}`,
    ];
    for (const value of values) {
      const response = await fetchStatus(value);
      const text = await response.text();
      expect(response.status, value.slice(0, 60)).toBe(401);
      expect(text).not.toContain(admin());
      expect(text).not.toContain("countingSince");
    }
    const twice = await gatewayFetch("/status", {
      headers: [
        ["authorization", `Bearer ${admin()}`],
        ["authorization", `Bearer ${admin()}`],
      ],
    });
    expect(twice.status).toBe(401);
    await twice.body?.cancel();
  });

  it("serves the report on exactly GET /status: other methods and bent paths get 404 or 405", async () => {
    const authorization = `Bearer ${admin()}`;
    const attempts: Array<[string, string]> = [
      ["POST", "/status"],
      ["PUT", "/status"],
      ["DELETE", "/status"],
      ["GET", "/status/"],
      ["GET", "/status/x"],
      ["GET", "/STATUS"],
      ["GET", "/status%2f"],
      ["GET", "/status%00"],
      ["GET", "/%73tatus/.."],
    ];
    for (const [method, path] of attempts) {
      const response = await gatewayFetch(path, { method, headers: { authorization } });
      const text = await response.text();
      expect([404, 405], `${method} ${path}`).toContain(response.status);
      expect(text, `${method} ${path}`).not.toContain("countingSince");
    }
    // Under /mcp a path is an MCP endpoint, whose keys the admin token is not.
    const viaMcp = await gatewayFetch("/mcp/..%2fstatus", { headers: { authorization } });
    expect(viaMcp.status).toBe(401);
    expect(await viaMcp.text()).not.toContain("countingSince");
  });

  it("ignores hostile query strings", async () => {
    for (const query of [
      "?__proto__[polluted]=1",
      "?constructor[prototype][polluted]=1",
      "?a=%ff%fe",
      `?${"q".repeat(10_000)}`,
    ]) {
      const response = await gatewayFetch(`/status${query}`, { headers: { authorization: `Bearer ${admin()}` } });
      expect(response.status, query.slice(0, 40)).toBe(200);
      const report = await response.json<Record<string, unknown>>();
      expect(Object.keys(report)).toContain("config");
    }
  });

  it("never shows header secrets, URL credentials, paths or queries, or values from invalid entries", async () => {
    const secrets = [
      "urlpass-7c1d",
      "path-secret-7c1d",
      "query-secret-7c1d",
      "sk-live-json-7c1d",
      "sk-live-value-7c1d",
    ];
    await seedConfig({
      servers: {
        leaky: {
          url: `http://user:${secrets[0]}@127.0.0.1:1/${secrets[1]}?token=${secrets[2]}`,
          headers: { Authorization: "Bearer ${FIXTURE_SECRET}" },
        },
        broken: `{"url": "http://127.0.0.1:1/mcp", "headers": {"X-Key": "${secrets[3]}"`,
        typo: { url: "http://127.0.0.1:1/mcp", headers: { "X-Key": secrets[4] }, colour: "red" },
      },
    });
    const { report, text } = await readStatus();
    for (const secret of [...secrets, inject("fixtureSecret"), TEST_API_KEY, admin()]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(report.config.invalidEntries.map((e) => e.key).sort()).toEqual(["server:broken", "server:typo"]);
    expect(report.upstreams.find((u) => u.name === "leaky")?.host).toBe("127.0.0.1:1");
  });

  it("never shows a raw API key that an operator stored under the wrong name", async () => {
    const raw = `mcpgw_${crypto.randomUUID().replaceAll("-", "")}`;
    await env.CONFIG.put(`apikey:${raw}`, JSON.stringify({ agent: TEST_AGENT }));
    await forgetCaches();
    const logs = captureLogs();
    const { report, text } = await readStatus();
    expect(report.config.invalidEntries).toHaveLength(1);
    expect(text).not.toContain(raw);
    expect(logs.raw().join("\n")).not.toContain(raw);
  });

  it("never shows the hash of an API key whose record is invalid", async () => {
    const raw = `mcpgw_${crypto.randomUUID().replaceAll("-", "")}`;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(raw));
    const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    await env.CONFIG.put(`apikey:${hash}`, JSON.stringify({ agent: TEST_AGENT, expiresAt: "next tuesday" }));
    await forgetCaches();
    const { report, text } = await readStatus();
    // The entry is reported, so the operator learns of it, but not by its hash.
    expect(report.config.invalidEntries).toHaveLength(1);
    expect(report.config.invalidEntries[0]!.key).toMatch(/^apikey:/);
    expect(text).not.toContain(hash);
  });
});
