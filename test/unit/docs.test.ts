/// <reference types="node" />
// The README stays a front door (small, with set-up commands that are what CI and npm run),
// and every relative link in the README, the CHANGELOG and docs/ reaches a file of this
// repository and, for a Markdown file, a heading or anchor that exists in it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const README_MAX_BYTES = 30_000;

const documents = ["README.md", "CHANGELOG.md", ...readdirSync(join(root, "docs")).map((f) => `docs/${f}`)].filter(
  (path) => path.endsWith(".md"),
);

describe("README.md", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");

  it(`is a front door of at most ${README_MAX_BYTES} bytes; the reference lives in docs/`, () => {
    expect(Buffer.byteLength(readme, "utf8")).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it("gives the set-up commands that package.json defines and CI runs", () => {
    expect(readme).toContain("npm install && npm run dev");
    expect(readme).toContain("npm install && npm test");
    const scripts = (
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["dev", "test"]));
    expect(
      readFileSync(join(root, ".ci", "run"), "utf8")
        .trim()
        .split("\n")
        .at(-1),
    ).toBe("npm test");
  });
});

it("reads links as GitHub does: outside code, with anchors numbered when headings repeat", () => {
  const sample = "[a](docs/x.md#y) `[b](no.md)`\n```\n[c](no.md)\n```\n[d](#z)";
  expect(markdownLinks(sample)).toEqual(["docs/x.md#y", "#z"]);
  expect(anchorsOf(join(root, "docs", "configuration.md"))).toContain("servername");
});

describe.each(documents)("links in %s", (path) => {
  const links = markdownLinks(readFileSync(join(root, path), "utf8"));

  it("reach files of this repository, and headings that exist", () => {
    const broken: string[] = [];
    for (const link of links) {
      if (/^[a-z]+:/i.test(link)) continue;
      const [file = "", anchor] = link.split("#");
      const target = file === "" ? join(root, path) : resolve(root, dirname(path), file);
      if (relative(root, target).startsWith("..")) broken.push(`${link}: outside the repository`);
      else if (!existsSync(target)) broken.push(`${link}: no such file`);
      else if (anchor !== undefined && target.endsWith(".md") && !anchorsOf(target).has(anchor))
        broken.push(`${link}: no heading or anchor '${anchor}' in ${relative(root, target)}`);
      else if (anchor !== undefined && statSync(target).isDirectory()) broken.push(`${link}: anchor on a folder`);
    }
    expect(broken).toEqual([]);
  });
});

/** Link targets outside code blocks and code spans: `[text](target)`. */
function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "x");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

const anchorCache = new Map<string, Set<string>>();

/** GitHub's anchors for a Markdown file: one per heading (numbered when repeated), and each `<a id>`. */
function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a id="([^"]+)"/g)) anchors.add(id!);
  anchorCache.set(file, anchors);
  return anchors;
}
