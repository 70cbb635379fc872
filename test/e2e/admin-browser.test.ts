// /admin in a real browser: Debian's Chromium, headless, driven by playwright-core, against
// the gateway as `wrangler deploy` would ship it (in workerd) in front of server-everything.
// After a few calls, a policy denial and a guard's block, a person signs in through the
// form and reads the dashboard: the upstream, the agent's row, the denial and the guard
// decision, the configuration revision. On a phone-sized screen the page fits its width.
// Screenshots land in test/artifacts/ (admin.png, admin-phone.png) for a person to look at.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import {
  allStarted,
  connectClient,
  DEFAULT_AGENT,
  eventually,
  refusal,
  startEverything,
  startGateway,
  Teardown,
  textOf,
  type Gateway,
} from "./harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const ADMIN_TOKEN = `e2e-admin-${crypto.randomUUID()}`;
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const PHONE = { width: 390, height: 844 };

const teardown = new Teardown();
let gateway: Gateway;
let browser: Browser;
let revision: string;
/** What any page's Content-Security-Policy refused, as Chromium reports it: must stay empty. */
const refusedByCsp: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: this test needs a real browser. ` +
        "Install Debian's package with `apt-get install -y chromium` (CI's .ci/run installs it when missing).",
    );
  }
  const [upstream, started] = await allStarted([
    teardown.adopt(startEverything(), (u) => u.kill()),
    teardown.adopt(startGateway({ vars: { ADMIN_TOKEN } }), (g) => g.stop()),
  ]);
  gateway = started;
  await gateway.configure({
    servers: { everything: { url: upstream.url, guards: ["secrets"] } },
    agents: { [DEFAULT_AGENT]: { allow: { servers: ["*"] }, deny: { tools: { everything: ["get-sum"] } } } },
  });
  await gateway.kv.put("guard:secrets", JSON.stringify({ detect: { secret: "block" }, on: ["request"] }));
  await makeTraffic();
  revision = await eventually("the denial and the guard decision in /status", async () => {
    const report = await status();
    return report.recentDecisions.length >= 2 ? report.config.revision : undefined;
  });
  browser = await teardown.adopt(chromium.launch({ executablePath: CHROMIUM, headless: true }), (b) => b.close());
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(() => teardown.run());

/** Two calls that pass, one the agent's rules deny, one a guard blocks. */
async function makeTraffic() {
  const { client } = await teardown.adopt(connectClient(gateway), (c) => c.client.close());
  for (const text of ["one", "two"]) {
    expect(textOf(await client.callTool({ name: "everything__echo", arguments: { message: text } }))).toContain(text);
  }
  const denied = await refusal(client.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } }));
  expect(denied.data).toMatchObject({ code: "DENIED_BY_POLICY" });
  const blocked = await refusal(
    client.callTool({ name: "everything__echo", arguments: { message: `key=${AWS_KEY}` } }),
  );
  expect(blocked.data).toMatchObject({ code: "GUARD_BLOCKED" });
}

async function status(): Promise<{ config: { revision: string }; recentDecisions: unknown[] }> {
  const response = await fetch(new URL("/status", gateway.endpoint), {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { config: { revision: string }; recentDecisions: unknown[] };
}

/** A fresh browser context (its own cookies) at this screen size, signed in through the form. */
async function signedIn(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: viewport.width < 500 });
  teardown.add(() => context.close());
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) refusedByCsp.push(message.text());
  });
  await page.goto(new URL("/admin", gateway.endpoint).href);
  await expect.poll(() => page.getByLabel("Admin token").isVisible()).toBe(true);
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Upstreams" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/admin");
  expect(page.url()).not.toContain(ADMIN_TOKEN);
  return page;
}

/** The rows of the table that follows the heading `name`, each as the text a person reads. */
async function rowsUnder(page: Page, name: string): Promise<string[]> {
  const table = page.locator(`h2:text-is("${name}") + table, h2:text-is("${name}") + p + table`);
  return table.locator("tbody tr").allInnerTexts();
}

describe("/admin in Chromium", () => {
  it("shows a person who signs in the upstreams, the agents, the denial, the guard decision and the revision", async () => {
    const page = await signedIn({ width: 1280, height: 900 });
    await expect.poll(() => page.getByText(revision, { exact: true }).isVisible()).toBe(true);

    const upstreams = await rowsUnder(page, "Upstreams");
    expect(upstreams).toHaveLength(1);
    expect(upstreams[0]).toMatch(/everything[\s\S]*127\.0\.0\.1:\d+[\s\S]*legacy[\s\S]*ok[\s\S]*closed/);

    const agents = await rowsUnder(page, "Agents");
    expect(agents.find((row) => row.includes(DEFAULT_AGENT))).toMatch(/1\s+1\s+2\s+0/);

    const decisions = await rowsUnder(page, "Recent denials and guard decisions");
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toMatch(/everything[\s\S]*echo[\s\S]*guard[\s\S]*secrets[\s\S]*block/);
    expect(decisions[1]).toMatch(/everything[\s\S]*get-sum[\s\S]*denied[\s\S]*agent:e2e-agent/);
    expect(await page.content()).not.toContain(AWS_KEY);

    await page.screenshot({ path: `${ARTIFACTS}admin.png`, fullPage: true });
    expect(refusedByCsp).toEqual([]);
  });

  it("fits a phone's screen: tables stack into cards and nothing scrolls sideways", async () => {
    const page = await signedIn(PHONE);
    // Run in the page (as text: this file is typed for Node, not the DOM).
    const widths = (await page.evaluate(`({
      page: document.documentElement.scrollWidth,
      screen: document.documentElement.clientWidth,
      cell: getComputedStyle(document.querySelector("td")).display,
    })`)) as { page: number; screen: number; cell: string };
    expect(widths.screen).toBe(PHONE.width);
    expect(widths.page).toBeLessThanOrEqual(widths.screen);
    // The style sheet applied (its CSP hash matched): cells are laid out as labelled rows.
    expect(widths.cell).toBe("grid");
    await expect.poll(() => page.getByText("agent:e2e-agent", { exact: false }).first().isVisible()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}admin-phone.png`, fullPage: true });
    expect(refusedByCsp).toEqual([]);
  });

  it("signs out: the form is back", async () => {
    const page = await signedIn({ width: 1024, height: 768 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin token").waitFor();
    await page.goto(new URL("/admin", gateway.endpoint).href);
    expect(await page.getByRole("heading", { name: "Upstreams" }).count()).toBe(0);
  });
});
