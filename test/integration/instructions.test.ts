// Instructions: a client is told what the gateway and each upstream it may see say about
// using them, at initialize (2025) and in server/discover (2026-07-28): the gateway's own
// first, then each visible upstream's, labelled by server; a registration may replace or
// drop its upstream's, a virtual server may give its own and leave the upstreams' out.
import { beforeEach, describe, expect, it } from "vitest";
import { seedConfig, type Seed } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { GatewayClient } from "./support/client.js";
import { askModern } from "./support/hostile.js";

let a: FixtureTenant;
let b: FixtureTenant;
let c: FixtureTenant;

beforeEach(async () => {
  a = FixtureTenant.create("instr-a");
  b = FixtureTenant.create("instr-b", "second");
  c = FixtureTenant.create("instr-c");
  await a.configure({ instructions: "Search before you create." });
  await b.configure({ instructions: "  Dates are UTC.  " });
  await c.configure({ instructions: "Never seen by the tester." });
});

async function seed(extra: Partial<Seed> = {}) {
  await seedConfig({
    servers: { a: { url: a.url }, b: { url: b.url }, c: { url: c.url } },
    settings: { instructions: "One gateway in front of your tools." },
    agents: { tester: { allow: { servers: ["a", "b"] } } },
    ...extra,
  });
}

const legacyInstructions = async () => (await GatewayClient.connect()).initializeResult["instructions"];
const modernInstructions = async () =>
  ((await askModern("server/discover")).result as { instructions?: string }).instructions;

describe("instructions", () => {
  it("are the gateway's own, then each visible upstream's labelled by server, in both eras", async () => {
    await seed();
    const expected = "One gateway in front of your tools.\n\n## a\nSearch before you create.\n\n## b\nDates are UTC.";
    expect(await legacyInstructions()).toBe(expected);
    expect(await modernInstructions()).toBe(expected);
  });

  it("take a registration's own text instead of its upstream's, or none", async () => {
    await seed({
      servers: {
        a: { url: a.url, instructions: "Use a for tickets." },
        b: { url: b.url, instructions: false },
        c: { url: c.url },
      },
    });
    expect(await legacyInstructions()).toBe("One gateway in front of your tools.\n\n## a\nUse a for tickets.");
  });

  it("are a virtual server's own, with or without the upstreams'", async () => {
    await seed({
      virtualServers: {
        desk: { servers: ["a"], agents: ["tester"], instructions: "The support desk." },
        quiet: { servers: ["a", "b"], agents: ["tester"], instructions: "Just us.", upstreamInstructions: false },
      },
    });
    const desk = await GatewayClient.open({ path: "/mcp/desk" });
    expect(desk.initializeResult["instructions"]).toBe("The support desk.\n\n## a\nSearch before you create.");
    const quiet = await GatewayClient.open({ path: "/mcp/quiet" });
    expect(quiet.initializeResult["instructions"]).toBe("Just us.");
  });

  it("are absent when nobody gives any", async () => {
    await a.configure({ instructions: null });
    await b.configure({ instructions: null });
    await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } } });
    expect(await legacyInstructions()).toBeUndefined();
    expect(await modernInstructions()).toBeUndefined();
  });
});
