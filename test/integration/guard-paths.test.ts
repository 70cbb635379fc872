// Guards beyond a plain tool call: prompt arguments and prompt and resource contents, a
// call whose answer streams and is finished by the session object, and a guard's external
// analyzer (a stand-in that speaks Presidio's analyzer API) with its declared failure mode.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs, type CapturedLogs } from "./support/logs.js";
import { AgentSession } from "./support/agent.js";
import { SseReader, type RpcMessage } from "./support/client.js";
import { McpSession } from "../../src/session/mcp-session.js";

const EMAIL = "ana.lima@example.com";

let tenant: FixtureTenant;
let logs: CapturedLogs;

beforeEach(async () => {
  tenant = FixtureTenant.create("guard-paths");
  await tenant.configure({ tools: ["echo", "ask"], files: { "/docs/contact.txt": `write to ${EMAIL}` } });
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("prompts, resources and streamed calls", () => {
  beforeEach(async () => {
    await seedConfig({
      servers: { a: { url: tenant.url, guards: ["mail"] } },
      guards: { mail: { detect: { email: "mask" } } },
    });
  });

  it("masks prompt arguments on the way up and prompt messages on the way back", async () => {
    const session = await AgentSession.open();
    const result = await session.result<{ messages: Array<{ content: { text: string } }> }>("prompts/get", {
      name: "a__greeting",
      arguments: { who: EMAIL },
    });
    expect(result.messages[0]!.content.text).toBe(`Hello, <EMAIL>, from ${tenant.name}`);
    const sent = (await tenant.stats()).requests.find((r) => r.method === "prompts/get");
    expect(sent?.params?.["arguments"]).toEqual({ who: "<EMAIL>" });
  });

  it("masks a resource's text", async () => {
    const session = await AgentSession.open();
    const result = await session.result<{ contents: Array<{ text: string }> }>("resources/read", {
      uri: "file:///docs/contact.txt",
    });
    expect(result.contents[0]!.text).toBe("write to <EMAIL>");
  });

  it("masks the result of a call whose answer streams, finished by the session object", async () => {
    const adopt = vi.spyOn(McpSession.prototype, "adopt");
    const session = await AgentSession.open({ capabilities: { elicitation: {} } });
    const id = session.takeId();
    const response = await session.post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "a__ask" } });
    const reader = new SseReader(response);
    const ask = (await reader.nextMessage()) as RpcMessage;
    expect(ask).toMatchObject({ method: "elicitation/create" });
    await session.post({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { name: EMAIL } } });
    expect(await reader.rest()).toEqual([
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "accept:<EMAIL>" }] } },
    ]);
    expect(adopt).toHaveBeenCalledTimes(1);
  });
});

describe("maxResultBytes", () => {
  it("cuts a long text result with a note, and refuses structured content too large to cut", async () => {
    await tenant.configure({ tools: ["echo", "customer"] });
    await seedConfig({ servers: { a: { url: tenant.url, maxResultBytes: 1024 } } });
    const session = await AgentSession.open();
    const text = await session.callText("a__echo", { text: "x".repeat(5000) });
    expect(text).toMatch(
      /^x+\n\[cut by the gateway: the result was \d+ bytes, more than this server's maxResultBytes \(1024\)\]$/,
    );
    expect(text.length).toBeLessThan(1024);
    const error = (await session.call("a__customer", { text: "y".repeat(2000) })).error!;
    expect(error.data).toMatchObject({ code: "RESULT_TOO_LARGE", server: "a", name: "customer", limit: 1024 });
    expect(await session.callText("a__echo", { text: "small" })).toBe("small");
  });
});

describe("an external analyzer (Presidio's API)", () => {
  const presidio = inject("presidioUrl");
  const setMode = async (mode: "ok" | "fail" | "hang" | "garbage") => {
    await fetch(`${presidio}/control`, { method: "POST", body: JSON.stringify({ mode }) });
  };

  async function seedWith(onError: "block" | "allow", timeoutMs = 2000) {
    await seedConfig({
      servers: { a: { url: tenant.url, guards: ["people"] } },
      guards: {
        people: {
          detect: { email: "mask" },
          provider: {
            type: "presidio",
            url: presidio,
            entities: { PERSON: "mask", US_SSN: "block" },
            timeoutMs,
            onError,
          },
        },
      },
    });
  }

  afterEach(async () => {
    await setMode("ok");
  });

  it("masks what the analyzer finds beside the built-in detectors, with offsets in code points", async () => {
    await seedWith("block");
    const session = await AgentSession.open();
    const text = await session.callText("a__echo", { text: `😀 Ana Lima <${EMAIL}> met John Smith` });
    expect(text).toBe("😀 <PERSON> <<EMAIL>> met <PERSON>");
    const sent = (await tenant.stats()).requests.find((r) => r.method === "tools/call");
    expect(sent?.params?.["arguments"]).toEqual({ text: "😀 <PERSON> <<EMAIL>> met <PERSON>" });
    const lines = logs.events("audit.guard").filter((l) => l["side"] === "request");
    expect(lines).toEqual([
      expect.objectContaining({
        guard: "people",
        action: "mask",
        count: 3,
        detections: [
          { detector: "email", count: 1, action: "mask" },
          { detector: "presidio:PERSON", count: 2, action: "mask" },
        ],
      }),
    ]);
  });

  it("blocks what the guard's entity actions say to block", async () => {
    await seedWith("allow");
    const session = await AgentSession.open();
    const error = (await session.call("a__echo", { text: "ssn 078-05-1120" })).error!;
    expect(error.data).toMatchObject({ code: "GUARD_BLOCKED", guard: "people", detector: "presidio:US_SSN" });
    expect(JSON.stringify(error)).not.toContain("078-05-1120");
  });

  it("fails closed when the analyzer fails and the guard says block; lets through when it says allow", async () => {
    for (const mode of ["fail", "garbage"] as const) {
      await setMode(mode);
      await seedWith("block");
      const session = await AgentSession.open();
      const error = (await session.call("a__echo", { text: "Ana Lima" })).error!;
      expect(error.data, mode).toMatchObject({ code: "GUARD_UNAVAILABLE", guard: "people" });
    }
    await seedWith("allow");
    const session = await AgentSession.open();
    expect(await session.callText("a__echo", { text: `Ana Lima ${EMAIL}` })).toBe("Ana Lima <EMAIL>");
    const allowed = logs.events("audit.guard").filter((l) => l["action"] === "allow");
    expect(allowed[0]).toMatchObject({
      guard: "people",
      detector: "presidio",
      reason: expect.stringContaining("not a list"),
    });
  });

  it("gives up on a silent analyzer after its timeout", async () => {
    await setMode("hang");
    await seedWith("block", 200);
    const session = await AgentSession.open();
    const error = (await session.call("a__echo", { text: "Ana Lima" })).error!;
    expect(error.data).toMatchObject({ code: "GUARD_UNAVAILABLE", guard: "people" });
    expect(error.message).toContain("within 200 ms");
    expect((await tenant.stats()).requests.filter((r) => r.method === "tools/call")).toEqual([]);
  });
});
