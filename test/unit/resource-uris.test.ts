import { describe, expect, it } from "vitest";
import { decodedUri, pathProblem } from "../../src/mcp/resource-uris.js";
import { Policy } from "../../src/gateway/policy.js";

describe("resource URI paths an upstream could read otherwise", () => {
  it("finds nothing wrong with ordinary URIs and templates", () => {
    for (const uri of [
      "file:///public/readme.txt",
      "file:///public/a%20b.txt",
      "fixture://fx/items/42?x=../y#../z",
      "file:///public/{name}",
      "github://repos/{owner}/{repo}",
      "demo://resource/static/document/architecture.md",
    ])
      expect(pathProblem(uri), uri).toBeUndefined();
  });

  it("refuses dot segments, literal or percent-encoded, even twice", () => {
    for (const uri of [
      "file:///public/../private/x",
      "file:///public/./x",
      "file:///public/%2e%2e/private/x",
      "file:///public/.%2E/private/x",
      "file:///public/%252e%252e/private/x",
    ])
      expect(pathProblem(uri), uri).toContain("'..'");
  });

  it("refuses encoded slashes and backslashes, literal or percent-encoded", () => {
    expect(pathProblem("file:///public/..%2Fprivate%2Fx")).toContain("'/'");
    expect(pathProblem("file:///public/docs%2f..%2f..%2fprivate")).toContain("'/'");
    expect(pathProblem("file:///public/x%252Fy")).toContain("'/'");
    expect(pathProblem("file:///public/..\\private\\x")).toContain("backslash");
    expect(pathProblem("file:///public/..%5Cprivate%5Cx")).toContain("backslash");
  });

  it("refuses percent-encoding nested too deep to judge", () => {
    expect(pathProblem("file:///public/%252525252Fx")).toBeDefined();
  });

  it("decodes a URI as an upstream would read it, and leaves one without escapes alone", () => {
    expect(decodedUri("file:///%70rivate/secret%20file.txt")).toBe("file:///private/secret file.txt");
    expect(decodedUri("file:///caf%C3%A9")).toBe("file:///café");
    expect(decodedUri("file:///100%")).toBe("file:///100%");
    const plain = "file:///public/readme.txt";
    expect(decodedUri(plain)).toBe(plain);
  });
});

describe("policy over resource URIs", () => {
  const policy = new Policy(
    [
      {
        source: "agent:a",
        allow: { resources: { fs: ["file:///**"] } },
        deny: { resources: { fs: ["file:///private/**"] } },
      },
    ],
    "uri-policy",
  );

  it("holds a deny rule against a URI whose letters are percent-encoded", () => {
    expect(policy.decide("resources", "fs", "file:///private/secret.txt").allowed).toBe(false);
    expect(policy.decide("resources", "fs", "file:///%70rivate/secret.txt").allowed).toBe(false);
    expect(policy.decide("resources", "fs", "file:///public/%70.txt").allowed).toBe(true);
  });

  it("denies a URI an upstream could read as another path, naming why", () => {
    const decision = policy.decide("resources", "fs", "file:///public/..%2Fprivate%2Fsecret.txt");
    expect(decision).toEqual({ allowed: false, rule: "(the URI's path has a percent-encoded '/')" });
  });
});
