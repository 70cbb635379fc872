import { describe, expect, it } from "vitest";
import { templateMatches } from "../../src/mcp/uri-template.js";

describe("templateMatches", () => {
  it.each([
    ["demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/text/42", true],
    ["demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/blob/42", false],
    ["demo://resource/dynamic/text/{resourceId}", "demo://resource/dynamic/text/4/2", false],
    ["file:///{+path}", "file:///etc/hosts", true],
    ["repo://{owner}/{repo}/issues{?state}", "repo://a/b/issues?state=open", true],
    ["repo://{owner}/{repo}/issues{?state}", "repo://a/b/issues", true],
    ["a.b://{x}", "aXb://1", false],
  ])("%s against %s: %s", (template, uri, expected) => {
    expect(templateMatches(template, uri)).toBe(expected);
  });
});
