// Resource URIs whose path climbs out of an allowed tree with encoded separators: `%2F`,
// `%5C`, a literal backslash, or dots spelled `%2e`. A file server that percent-decodes
// the path (the fixture's `files` tenant does, as many do) would resolve
// `file:///public/..%2Fprivate%2Fsecret.txt` to `/private/secret.txt`; a policy written as
// `file:///public/**` must hold against it. Wherever a URI meets policy (reads, reads that
// only a template routes, subscriptions, completions) and in both eras, such a URI is
// refused and never reaches the upstream.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, SseReader, type RpcMessage } from "./support/client.js";
import { seedConfig, TEST_AGENT } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern, postModern } from "./support/hostile.js";

const PUBLIC_FILE = "file:///public/readme.txt";
const FILES = { "/public/readme.txt": "public words", "/private/secret.txt": "the private file" };
const PRIVATE_TEXT = FILES["/private/secret.txt"];

/** Spellings of `/private/secret.txt` that start inside `/public/`, once the path is decoded. */
const CLIMBING_URIS = [
  "file:///public/..%2Fprivate%2Fsecret.txt",
  "file:///public/..%2fprivate%2fsecret.txt",
  "file:///public/%2e%2e%2Fprivate%2Fsecret.txt",
  "file:///public/..%5Cprivate%5Csecret.txt",
  "file:///public/..\\private\\secret.txt",
  "file:///public/docs%2F..%2F..%2Fprivate%2Fsecret.txt",
];

/** The same climb in a URI template, for completions: the upstream would list `/private/`. */
const CLIMBING_TEMPLATES = [
  "file:///public/..%2Fprivate%2F{name}",
  "file:///public/..%5Cprivate%5C{name}",
  "file:///public/..\\private\\{name}",
];

const REFUSALS = ["DENIED_BY_POLICY", "INVALID_PARAMS"];

/** A request of one era, answered over HTTP 200 (a JSON-RPC result or error). */
type Ask = (method: string, params: Record<string, unknown>) => Promise<RpcMessage>;

const ERAS: Array<[string, () => Promise<Ask>]> = [
  [
    "a 2025-era session",
    async () => {
      const client = await GatewayClient.connect();
      return (method, params) => client.rpc(method, params);
    },
  ],
  ["a 2026-07-28 request", async () => (method, params) => askModern(method, params)],
];

let files: FixtureTenant;
let notes: FixtureTenant;

beforeEach(async () => {
  files = FixtureTenant.create("uri-files");
  notes = FixtureTenant.create("uri-notes");
  await files.configure({ files: FILES });
});

/** Requests of a method that reached the file server, by the URI (or ref URI) they named. */
async function reachedUris(method: string): Promise<string[]> {
  return (await files.stats()).requests
    .filter((r) => r.method === method)
    .map((r) => {
      const params = r.params ?? {};
      const ref = params["ref"] as { uri?: unknown } | undefined;
      return String(ref?.uri ?? params["uri"]);
    });
}

/** The answer is a refusal by policy or as invalid, with nothing of the private file in it. */
function expectRefused(answer: RpcMessage, what: string): void {
  expect(answer.result, `${what} was answered: ${JSON.stringify(answer.result)}`).toBeUndefined();
  expect(REFUSALS, `${what}: ${JSON.stringify(answer.error)}`).toContain(answer.error?.data?.code);
  expect(JSON.stringify(answer)).not.toContain(PRIVATE_TEXT);
}

describe.each(ERAS)("resource URIs with encoded separators, for %s", (_era, connect) => {
  describe("an agent allowed only file:///public/**", () => {
    let ask: Ask;

    beforeEach(async () => {
      await seedConfig({
        servers: { files: { url: files.url } },
        agents: { [TEST_AGENT]: { allow: { resources: { files: ["file:///public/**"] } } } },
      });
      ask = await connect();
    });

    it("reads the public file", async () => {
      const answer = await ask("resources/read", { uri: PUBLIC_FILE });
      expect(answer.error).toBeUndefined();
      expect(JSON.stringify(answer.result)).toContain("public words");
    });

    it("cannot read the private file by climbing out of /public/ with encoded separators", async () => {
      for (const uri of CLIMBING_URIS) expectRefused(await ask("resources/read", { uri }), uri);
      expect(await reachedUris("resources/read")).toEqual([]);
    });

    it("cannot complete a template that climbs out of /public/", async () => {
      for (const uri of CLIMBING_TEMPLATES) {
        const answer = await ask("completion/complete", {
          ref: { type: "ref/resource", uri },
          argument: { name: "name", value: "" },
        });
        expectRefused(answer, uri);
        expect(JSON.stringify(answer)).not.toContain("secret.txt");
      }
      expect(await reachedUris("completion/complete")).toEqual([]);
    });
  });

  it("holds a deny rule on file:///private/** against the same climbs", async () => {
    await seedConfig({
      servers: { files: { url: files.url } },
      agents: { [TEST_AGENT]: { allow: { servers: ["*"] }, deny: { resources: { files: ["file:///private/**"] } } } },
    });
    const ask = await connect();
    expectRefused(await ask("resources/read", { uri: "file:///private/secret.txt" }), "the private file");
    for (const uri of CLIMBING_URIS) expectRefused(await ask("resources/read", { uri }), uri);
    expect(await reachedUris("resources/read")).toEqual([]);
  });

  it("does not let a template route a climbing URI to the file server", async () => {
    // Two resource servers: a URI that no list names is routed only by a matching template.
    await seedConfig({
      servers: { files: { url: files.url }, notes: { url: notes.url } },
      agents: { [TEST_AGENT]: { allow: { servers: ["notes"], resources: { files: ["file:///public/**"] } } } },
    });
    const ask = await connect();
    const routed = await ask("resources/read", { uri: "file:///public/other.txt" });
    // The template file:///public/{name} routes it; the file server has no such file.
    expect(routed.error?.message).toContain("Resource not found");
    for (const uri of CLIMBING_URIS) expectRefused(await ask("resources/read", { uri }), uri);
    expect(await reachedUris("resources/read")).toEqual(["file:///public/other.txt"]);
    expect((await notes.stats()).requests.filter((r) => r.method === "resources/read")).toEqual([]);
  });
});

describe("subscriptions to resource URIs with encoded separators", () => {
  beforeEach(async () => {
    await seedConfig({
      servers: { files: { url: files.url } },
      agents: { [TEST_AGENT]: { allow: { resources: { files: ["file:///public/**"] } } } },
    });
  });

  it("refuses a 2025-era session's resources/subscribe and unsubscribe of a climbing URI", async () => {
    const client = await GatewayClient.connect();
    expect(await client.result("resources/subscribe", { uri: PUBLIC_FILE })).toEqual({});
    for (const method of ["resources/subscribe", "resources/unsubscribe"]) {
      for (const uri of CLIMBING_URIS) expectRefused(await client.rpc(method, { uri }), `${method} ${uri}`);
    }
    expect(await reachedUris("resources/subscribe")).toEqual([PUBLIC_FILE]);
    expect(await reachedUris("resources/unsubscribe")).toEqual([]);
  });

  it("neither acknowledges nor subscribes upstream a climbing URI in a 2026-07-28 subscriptions/listen", async () => {
    const response = await postModern("subscriptions/listen", {
      notifications: { resourceSubscriptions: [...CLIMBING_URIS, PUBLIC_FILE] },
    });
    expect(response.status).toBe(200);
    const stream = new SseReader(response);
    try {
      const acknowledged = await stream.nextMessage();
      expect(acknowledged).toMatchObject({ method: "notifications/subscriptions/acknowledged" });
      const honoured = (acknowledged as RpcMessage).params?.["notifications"] as Record<string, unknown>;
      expect(honoured["resourceSubscriptions"]).toEqual([PUBLIC_FILE]);
      // The readable URI is subscribed upstream; by then the others would have been too.
      await expect.poll(() => reachedUris("resources/subscribe")).toContain(PUBLIC_FILE);
      expect(await reachedUris("resources/subscribe")).toEqual([PUBLIC_FILE]);
    } finally {
      await stream.cancel();
    }
  });
});
