import { describe, expect, it } from "vitest";
import { advertisedCapabilities } from "../../src/gateway/capabilities.js";
import { taskCallsOf, taskListsOf, toolsForClient } from "../../src/gateway/tasks/task-support.js";

const runsTasks = { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } };

describe("task support through the gateway", () => {
  it("knows an upstream that runs task-augmented tools/call", () => {
    expect(taskCallsOf(runsTasks)).toBe(true);
    expect(taskCallsOf({ tools: {}, tasks: { list: {} } })).toBe(false);
    expect(taskCallsOf({ tools: {} })).toBe(false);
    expect(taskCallsOf(undefined)).toBe(false);
    expect(taskListsOf(runsTasks)).toBe(true);
    expect(taskListsOf({ tasks: { list: {} } })).toBe(false);
  });

  it("advertises tasks (list, cancel, tools/call, as upstreams offer them) to 2025 clients only", () => {
    expect(advertisedCapabilities([runsTasks], true)["tasks"]).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    expect(advertisedCapabilities([runsTasks], false)["tasks"]).toBeUndefined();
    expect(advertisedCapabilities([{ tools: {} }], true)["tasks"]).toBeUndefined();
    const noCancel = { tools: {}, tasks: { requests: { tools: { call: {} } } } };
    expect(advertisedCapabilities([noCancel], true)["tasks"]).toEqual({ requests: { tools: { call: {} } } });
  });

  it("shows a tool run only as a task as one a 2025 client may call either way, and tells a 2026-07-28 client nothing", () => {
    const tools = [
      { name: "plain" },
      { name: "required", execution: { taskSupport: "required" } },
      { name: "optional", execution: { taskSupport: "optional", other: 1 } },
    ];
    expect(toolsForClient(tools, "legacy")).toEqual([
      { name: "plain" },
      { name: "required", execution: { taskSupport: "optional" } },
      { name: "optional", execution: { taskSupport: "optional", other: 1 } },
    ]);
    expect(toolsForClient(tools, "modern")).toEqual([
      { name: "plain" },
      { name: "required" },
      { name: "optional", execution: { other: 1 } },
    ]);
    // Unchanged input: the same definitions, not copies; and the input is never changed.
    const plain = [{ name: "a" }];
    expect(toolsForClient(plain, "modern")).toBe(plain);
    expect(tools[1]).toEqual({ name: "required", execution: { taskSupport: "required" } });
  });
});
