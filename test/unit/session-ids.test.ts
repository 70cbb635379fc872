import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { importSessionIdKey, isIssuedSessionId, issueSessionId, sessionIdName } from "../../src/session/session-ids.js";

const material = (fill: number) => new Uint8Array(32).fill(fill);

describe("session ids", () => {
  it("are 64 lower-case hex digits, and the gateway that issued one recognizes it", async () => {
    const key = await importSessionIdKey(material(1));
    const id = await issueSessionId(key);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await isIssuedSessionId(key, id)).toBe(true);
    expect(await issueSessionId(key)).not.toBe(id);
  });

  it("refuses a random id, an altered one, one signed with another key, and malformed ones", async () => {
    const key = await importSessionIdKey(material(1));
    const id = await issueSessionId(key);
    const random = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0"));
    expect(await isIssuedSessionId(key, random.join(""))).toBe(false);
    for (const at of [0, 31, 32, 63]) {
      const altered = id.slice(0, at) + (id[at] === "0" ? "1" : "0") + id.slice(at + 1);
      expect(await isIssuedSessionId(key, altered), `digit ${at} changed`).toBe(false);
    }
    expect(await isIssuedSessionId(await importSessionIdKey(material(2)), id)).toBe(false);
    for (const malformed of ["", id.toUpperCase(), id.slice(1), `${id}0`, `${id.slice(0, 63)}g`])
      expect(await isIssuedSessionId(key, malformed)).toBe(false);
  });

  it("are named by their random half, which cannot be presented as the id", async () => {
    const key = await importSessionIdKey(material(1));
    const id = await issueSessionId(key);
    expect(sessionIdName(id)).toBe(id.slice(0, 32));
    expect(await isIssuedSessionId(key, sessionIdName(id))).toBe(false);
  });
});

describe("the session-id key", () => {
  beforeEach(() => {
    vi.resetModules();
    vi.spyOn(console, "log").mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  /** A fresh isolate's view of the key source, with a stand-in for the generated-key object. */
  async function isolate(env: { SESSION_ID_KEY?: string }, generated = material(7)) {
    const { sessionIdKey } = await import("../../src/session/session-id-key.js");
    const asked = { count: 0 };
    const namespace = {
      idFromName: (name: string) => name,
      get: () => ({
        material: async () => {
          asked.count++;
          return generated.slice().buffer;
        },
      }),
    };
    const key = () => sessionIdKey({ ...env, GENERATED_SESSION_ID_KEY: namespace } as unknown as Env);
    return { key, asked };
  }

  it("is the SESSION_ID_KEY secret when set: every isolate with that secret accepts the others' ids", async () => {
    const secret = "a".repeat(64);
    const first = await isolate({ SESSION_ID_KEY: secret });
    const id = await issueSessionId(await first.key());
    vi.resetModules();
    const second = await isolate({ SESSION_ID_KEY: secret });
    expect(await isIssuedSessionId(await second.key(), id)).toBe(true);
    expect(first.asked.count + second.asked.count).toBe(0);
    vi.resetModules();
    const rotated = await isolate({ SESSION_ID_KEY: "b".repeat(64) });
    expect(await isIssuedSessionId(await rotated.key(), id)).toBe(false);
  });

  it("without the secret, is the generated key, asked for once per isolate and said once in the log", async () => {
    const { key, asked } = await isolate({});
    const id = await issueSessionId(await key());
    for (let i = 0; i < 5; i++) expect(await isIssuedSessionId(await key(), id)).toBe(true);
    expect(asked.count).toBe(1);
    const lines = vi.mocked(console.log).mock.calls.map(([line]) => JSON.parse(String(line)) as { event: string });
    expect(lines.filter((line) => line.event === "session_ids.generated_key")).toHaveLength(1);
  });
});
