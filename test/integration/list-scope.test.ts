// Whose list a client is shown: what an upstream listed for one session or one agent is
// never served to another that the upstream might have answered differently. server-everything
// lists a resource a session created (gzip-file-as-resource) only in that session, and its
// elicitation tool only to clients that declared elicitation. A registration may say its lists
// are the same for everyone (`sharedLists: true`); an upstream's `cacheScope: "private"` still
// keeps its list to one principal.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";

/** A second agent, with its own key, that may see everything too. */
const OTHER = { agent: "other", key: "list-scope-other-key-0123456789" };
const ELICITATION_TOOL = "everything__trigger-elicitation-request";

const agents = { [OTHER.agent]: { allow: { servers: ["*"] } } };
const apiKeys = { [OTHER.key]: { agent: OTHER.agent } };

describe("in front of server-everything", () => {
  beforeEach(async () => {
    await seedConfig({ servers: { everything: { url: inject("everythingUrl") } }, agents, apiKeys });
  });

  /** Makes `session` create a resource of its own upstream session; returns its URI. */
  async function createSessionResource(session: GatewayClient): Promise<string> {
    const name = `scoped-${crypto.randomUUID().slice(0, 8)}.txt.gz`;
    const result = await session.result<{ content: Array<{ type: string; uri?: string }> }>("tools/call", {
      name: "everything__gzip-file-as-resource",
      arguments: { name, data: `data:text/plain;base64,${btoa("only for this session")}`, outputType: "resourceLink" },
    });
    const link = result.content.find((c) => c.type === "resource_link");
    expect(link?.uri).toBe(`demo://resource/session/${name}`);
    return link!.uri!;
  }

  describe("a resource one 2025-era session created", () => {
    it("is listed to that session and not to another session of the same agent", async () => {
      const creator = await GatewayClient.connect();
      const uri = await createSessionResource(creator);
      expect(await creator.uris()).toContain(uri);

      const other = await GatewayClient.connect();
      expect(await other.uris()).not.toContain(uri);
    });

    it("is not listed to a session of another agent", async () => {
      const creator = await GatewayClient.connect();
      const uri = await createSessionResource(creator);
      expect(await creator.uris()).toContain(uri);

      const stranger = await GatewayClient.open({ key: OTHER.key });
      expect(await stranger.uris()).not.toContain(uri);
    });

    it("is not listed to another agent's 2026-07-28 resources/list", async () => {
      const creator = await GatewayClient.connect();
      const uri = await createSessionResource(creator);
      expect(await creator.uris()).toContain(uri);

      const list = await askModern("resources/list", {}, { authorization: `Bearer ${OTHER.key}` });
      const uris = ((list.result?.["resources"] as Array<{ uri: string }> | undefined) ?? []).map((r) => r.uri);
      expect(uris).toContain("demo://resource/static/document/architecture.md");
      expect(uris).not.toContain(uri);
    });
  });

  describe("a tool listed only to clients that declared elicitation", () => {
    it("is not listed to a session that did not declare it, after one that did", async () => {
      const eliciting = await GatewayClient.open({ capabilities: { elicitation: {} } });
      expect(await eliciting.toolNames()).toContain(ELICITATION_TOOL);

      const plain = await GatewayClient.open({ capabilities: {} });
      const names = await plain.toolNames();
      expect(names).toContain("everything__echo");
      expect(names).not.toContain(ELICITATION_TOOL);
    });

    it("is listed to a session that declared it, after one that did not", async () => {
      const plain = await GatewayClient.open({ capabilities: {} });
      expect(await plain.toolNames()).not.toContain(ELICITATION_TOOL);

      const eliciting = await GatewayClient.open({ capabilities: { elicitation: {} } });
      expect(await eliciting.toolNames()).toContain(ELICITATION_TOOL);
    });
  });
});

describe("lists of one registration across agents", () => {
  let fx: FixtureTenant;

  beforeEach(() => {
    fx = FixtureTenant.create("list-scope");
  });

  const upstreamLists = async () => (await fx.stats()).requests.filter((r) => r.method === "tools/list").length;

  it("asks the upstream again for another agent's list by default", async () => {
    await fx.configure({ tools: ["echo"] });
    await seedConfig({ servers: { fx: { url: fx.url } }, agents, apiKeys });

    const first = await GatewayClient.connect();
    expect(await first.toolNames()).toEqual(["fx__echo"]);
    const asked = await upstreamLists();
    expect(asked).toBeGreaterThan(0);

    const stranger = await GatewayClient.open({ key: OTHER.key });
    expect(await stranger.toolNames()).toEqual(["fx__echo"]);
    expect(await upstreamLists()).toBeGreaterThan(asked);
  });

  it("serves another agent's session from the first list when the registration says sharedLists", async () => {
    await fx.configure({ tools: ["echo"] });
    await seedConfig({ servers: { fx: { url: fx.url, sharedLists: true } }, agents, apiKeys });

    const first = await GatewayClient.connect();
    expect(await first.toolNames()).toEqual(["fx__echo"]);
    const asked = await upstreamLists();
    expect(asked).toBeGreaterThan(0);

    const same = await GatewayClient.connect();
    expect(await same.toolNames()).toEqual(["fx__echo"]);
    const stranger = await GatewayClient.open({ key: OTHER.key });
    expect(await stranger.toolNames()).toEqual(["fx__echo"]);
    expect(await upstreamLists()).toBe(asked);
  });

  it('asks the upstream again for another agent when its list says cacheScope "private", even with sharedLists', async () => {
    await fx.configure({ tools: ["echo"], listCacheScope: "private" });
    await seedConfig({ servers: { fx: { url: fx.url, sharedLists: true } }, agents, apiKeys });

    const first = await GatewayClient.connect();
    expect(await first.toolNames()).toEqual(["fx__echo"]);
    const asked = await upstreamLists();
    expect(asked).toBeGreaterThan(0);

    const stranger = await GatewayClient.open({ key: OTHER.key });
    expect(await stranger.toolNames()).toEqual(["fx__echo"]);
    expect(await upstreamLists()).toBeGreaterThan(asked);
  });
});
