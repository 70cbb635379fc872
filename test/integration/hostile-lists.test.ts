// An upstream that answers its lists with more items than settings.maxListItems: it is
// left out of the merged list and named in the list's `_meta`, while the other upstreams
// are listed and called as before, in both eras, and whether the flood comes in one page
// or in many.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { expectPrototypesClean, postModern, wellFormed } from "./support/hostile.js";

const UNAVAILABLE = "mcp-edge-gateway/unavailable";
const toolNames = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`);

let big: FixtureTenant;
let small: FixtureTenant;

beforeEach(async () => {
  big = FixtureTenant.create("lists-big");
  small = FixtureTenant.create("lists-small");
  await small.configure({ tools: ["echo", "fail"] });
});

async function seed(maxListItems?: number) {
  await seedConfig({
    servers: { big: { url: big.url }, small: { url: small.url } },
    ...(maxListItems === undefined ? {} : { settings: { maxListItems } }),
  });
}

/** tools/list in one page (the gateway's page is larger than anything here). */
async function listTools(client: GatewayClient) {
  return client.result<{ tools: Array<{ name: string }>; _meta?: Record<string, unknown> }>("tools/list");
}

/** The upstreams a list result names as left out. */
function leftOut(result: { _meta?: Record<string, unknown> }) {
  return (result._meta?.[UNAVAILABLE] ?? []) as Array<{ server: string; code: string; message: string }>;
}

describe("upstream lists longer than settings.maxListItems", () => {
  it("leaves the upstream out, names it in _meta, and lists and calls the others", async () => {
    await big.configure({ tools: toolNames(11), pageSize: 4 });
    await seed(10);
    const client = await GatewayClient.connect();
    const result = await listTools(client);
    expect(result.tools.map((t) => t.name)).toEqual(["small__echo", "small__fail"]);
    expect(leftOut(result)).toEqual([
      { server: "big", code: "UPSTREAM_ERROR", message: expect.stringMatching(/maxListItems/) },
    ]);
    expect(await client.callText("small__echo", { text: "small" })).toBe("small");
    const error = await client.error("tools/call", { name: "big__t0" });
    expect(error).toMatchObject({ data: { code: "UPSTREAM_ERROR", server: "big" } });
  });

  it("keeps an upstream with exactly maxListItems items", async () => {
    await big.configure({ tools: toolNames(10), pageSize: 4 });
    await seed(10);
    const client = await GatewayClient.connect();
    const result = await listTools(client);
    expect(result.tools).toHaveLength(12);
    expect(leftOut(result)).toEqual([]);
    expect(await client.callText("big__t9")).toBe(`${big.name}/t9`);
  });

  it("counts one oversized page the same as many small ones", async () => {
    await big.configure({ tools: toolNames(50), pageSize: 1000 });
    await seed(10);
    const client = await GatewayClient.connect();
    const result = await listTools(client);
    expect(result.tools.map((t) => t.name)).toEqual(["small__echo", "small__fail"]);
    expect(leftOut(result).map((u) => u.server)).toEqual(["big"]);
  });

  it("applies the default of 10000 items, and in the current era too", async () => {
    await big.configure({ tools: toolNames(10_001), pageSize: 5000 });
    await seed();
    const answer = await wellFormed(await postModern("tools/list", {}, { id: "flood" }));
    const result = answer.messages[0]?.result as {
      tools: Array<{ name: string }>;
      ttlMs?: number;
      _meta?: Record<string, unknown>;
    };
    expect(result.tools.map((t) => t.name)).toEqual(["small__echo", "small__fail"]);
    expect(leftOut(result).map((u) => [u.server, u.code])).toEqual([["big", "UPSTREAM_ERROR"]]);
    expect(result.ttlMs).toBe(0);
    expectPrototypesClean();
  });
});
