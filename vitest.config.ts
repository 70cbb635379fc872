// Three test projects: pure units in Node, integration in workerd through the Workers
// Vitest integration (real Durable Objects and KV), end to end in Node against the
// gateway running in workerd with real MCP servers and the official SDK client.
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

export default defineConfig({
  test: {
    // Logs of passing tests stay out of the output, so a failure (and its logs) stands out.
    silent: "passed-only",
    // Integration tests take a few hundred ms each; only a test far slower than that is news.
    slowTestThreshold: 5000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          // The secret that registrations reference as ${FIXTURE_SECRET}, and the admin token of
          // /status, come from the global setup, so tests can check they never leak.
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { FIXTURE_SECRET: inject<string>("fixtureSecret"), ADMIN_TOKEN: inject<string>("adminToken") },
            },
          })),
        ],
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
