import { describe, expect, it } from "vitest";
import { mapNames, type NameSource, type NamingRules } from "../../src/mcp/names.js";

const always: NamingRules = { strategy: "always", separator: "__" };
const conflicts: NamingRules = { strategy: "conflicts", separator: "__" };
const never: NamingRules = { strategy: "never", separator: "__" };

const source = (server: string, names: string[], prefix?: string): NameSource => ({ server, names, prefix });
const exposed = (sources: NameSource[], rules: NamingRules) => mapNames(sources, rules).entries.map((e) => e.exposed);

describe("mapNames", () => {
  it("prefixes every name with its server under 'always'", () => {
    expect(exposed([source("github", ["create_issue"]), source("db", ["query"])], always)).toEqual([
      "db__query",
      "github__create_issue",
    ]);
  });

  it("prefixes only shared names under 'conflicts'", () => {
    const names = exposed([source("a", ["echo", "add"]), source("b", ["echo", "mul"])], conflicts);
    expect(names).toEqual(["a__echo", "add", "b__echo", "mul"]);
  });

  it("keeps upstream names under 'never' and moves a colliding later server to its prefixed name", () => {
    const map = mapNames([source("b", ["echo"]), source("a", ["echo"])], never);
    expect(map.entries.map((e) => [e.exposed, e.server])).toEqual([
      ["echo", "a"],
      ["b__echo", "b"],
    ]);
    expect(map.collisions).toEqual([
      {
        exposed: "echo",
        kept: { server: "a", original: "echo" },
        moved: { server: "b", original: "echo", exposed: "b__echo" },
      },
    ]);
  });

  it("uses a registration's explicit prefix over the strategy, and '' for none", () => {
    expect(exposed([source("github", ["x"], "gh"), source("local", ["y"], "")], always)).toEqual(["gh__x", "y"]);
  });

  it("drops and reports an entry whose fallback name is taken too", () => {
    // 'a' offers 'b__c' unprefixed; 'b' wants 'c' which falls back to 'b__c'.
    const map = mapNames([source("a", ["b__c", "c"], ""), source("b", ["c"], "")], never);
    expect(map.entries.map((e) => `${e.server}:${e.original}->${e.exposed}`)).toEqual(["a:b__c->b__c", "a:c->c"]);
    expect(map.collisions).toHaveLength(1);
    expect(map.collisions[0]!.moved).toEqual({ server: "b", original: "c", exposed: null });
  });

  it("maps back from exposed name to server and original name", () => {
    const map = mapNames([source("alpha", ["echo"]), source("beta", ["echo"])], always);
    expect(map.byExposed.get("beta__echo")).toEqual({ exposed: "beta__echo", server: "beta", original: "echo" });
    expect(map.byExposed.get("echo")).toBeUndefined();
  });

  it("gives the same answer whatever order the servers come in", () => {
    const one = mapNames([source("x", ["t"]), source("y", ["t"]), source("z", ["t"])], never);
    const two = mapNames([source("z", ["t"]), source("x", ["t"]), source("y", ["t"])], never);
    expect(one.entries).toEqual(two.entries);
    expect(one.collisions).toEqual(two.collisions);
  });

  it("ignores a name an upstream lists twice", () => {
    expect(exposed([source("a", ["t", "t"])], always)).toEqual(["a__t"]);
  });

  it("honours a custom separator", () => {
    expect(exposed([source("a", ["t"])], { strategy: "always", separator: "." })).toEqual(["a.t"]);
  });
});
