import { describe, expect, it } from "vitest";
import { capabilityNeededFor, clientMethod, LISTS, listsChangedBy, offeredIn } from "../../src/mcp/methods.js";

describe("the method registry", () => {
  it("offers each method to the era whose revisions have it", () => {
    expect(offeredIn("initialize", "legacy")).toBe(true);
    expect(offeredIn("initialize", "modern")).toBe(false);
    expect(offeredIn("logging/setLevel", "modern")).toBe(false);
    expect(offeredIn("resources/subscribe", "modern")).toBe(false);
    expect(offeredIn("server/discover", "legacy")).toBe(false);
    expect(offeredIn("subscriptions/listen", "modern")).toBe(true);
    expect(offeredIn("tools/call", "legacy") && offeredIn("tools/call", "modern")).toBe(true);
  });

  it("knows nothing of unknown methods or of an object's own properties", () => {
    for (const name of ["no/such", "__proto__", "constructor", "toString"]) {
      expect(clientMethod(name)).toBeUndefined();
      expect(offeredIn(name, "legacy")).toBe(false);
    }
  });

  it("says which methods are safe to retry and which results carry cache hints", () => {
    const idempotent = ["ping", "tools/list", "prompts/list", "resources/list", "resources/templates/list"];
    for (const name of [...idempotent, "resources/read", "prompts/get"])
      expect(clientMethod(name)?.idempotent).toBe(true);
    expect(clientMethod("tools/call")?.idempotent).toBe(false);
    expect(clientMethod("completion/complete")?.idempotent).toBe(false);
    expect(clientMethod("resources/read")?.cacheable).toBe(true);
    expect(clientMethod("tools/call")?.cacheable).toBe(false);
  });

  it("names the params field the Mcp-Name header mirrors", () => {
    expect(clientMethod("tools/call")?.nameSource).toBe("name");
    expect(clientMethod("prompts/get")?.nameSource).toBe("name");
    expect(clientMethod("resources/read")?.nameSource).toBe("uri");
    expect(clientMethod("tools/list")?.nameSource).toBeUndefined();
  });

  it("maps list-changed notifications to the lists they make stale", () => {
    expect(listsChangedBy("notifications/tools/list_changed")).toEqual(["tools"]);
    expect(listsChangedBy("notifications/resources/list_changed")).toEqual(["resources", "resourceTemplates"]);
    expect(listsChangedBy("notifications/message")).toEqual([]);
    expect(LISTS.resourceTemplates.method).toBe("resources/templates/list");
  });

  it("names the client capability each of an upstream's own requests needs", () => {
    expect(capabilityNeededFor("sampling/createMessage")).toBe("sampling");
    expect(capabilityNeededFor("elicitation/create")).toBe("elicitation");
    expect(capabilityNeededFor("roots/list")).toBe("roots");
    expect(capabilityNeededFor("tools/call")).toBeUndefined();
  });
});
