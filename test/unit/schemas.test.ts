/// <reference types="node" />
// The published JSON Schemas and the tables of docs/configuration.md match the zod schemas
// they come from (every field with its default), and the sample configuration that
// `npm run dev` seeds into KV is valid.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { renderSchemaFiles, SCHEMAS_DIR } from "../../scripts/schema-files.js";
import { CONFIG_DOC, renderConfigDoc } from "../../scripts/schema-tables.js";
import { AgentRulesSchema, NameSchema, ServerRegistrationSchema, SettingsSchema } from "../../src/config/schemas.js";
import { GuardSchema } from "../../src/config/guard-schema.js";

const root = join(import.meta.dirname, "..", "..");
const STALE = "schemas/ is out of date with src/config/schemas.ts: run `npm run schemas` and commit the result";

describe("schemas/", () => {
  const expected = renderSchemaFiles();

  it("has one file per published schema, none missing and none left over", () => {
    const present = readdirSync(join(root, SCHEMAS_DIR))
      .filter((f) => f.endsWith(".json"))
      .sort();
    expect(present, STALE).toEqual([...expected.keys()].sort());
  });

  it.each([...expected.keys()])("%s is what `npm run schemas` writes", (name) => {
    const path = join(root, SCHEMAS_DIR, name);
    const onDisk = existsSync(path) ? readFileSync(path, "utf8") : "(missing)";
    expect(onDisk, STALE).toBe(expected.get(name));
  });

  it("renders the same bytes every time", () => {
    expect(renderSchemaFiles()).toEqual(expected);
  });

  it("documents fields with defaults as optional, since operators may leave them out", () => {
    const server = JSON.parse(expected.get("server.schema.json")!) as { required: string[] };
    const settings = JSON.parse(expected.get("settings.schema.json")!) as { required?: string[] };
    expect(server.required).toEqual(["url"]);
    expect(settings.required ?? []).toEqual([]);
  });
});

describe("docs/configuration.md", () => {
  const path = join(root, CONFIG_DOC);
  const doc = readFileSync(path, "utf8");

  it("has the tables `npm run schemas` writes from the zod schemas", async () => {
    const expected = await renderConfigDoc(doc, path);
    const lines = doc.split("\n");
    const wanted = expected.split("\n");
    const first = lines.findIndex((line, i) => line !== wanted[i]);
    const stale =
      `${CONFIG_DOC} is out of date with the zod schemas in src/config/: run \`npm run schemas\` and commit ` +
      `the result. First difference, line ${first + 1}:\n  is:        ${lines[first]}\n  should be: ${wanted[first]}`;
    expect(doc === expected, stale).toBe(true);
  });

  const sections = [
    { heading: "## `server:<name>`", schema: ServerRegistrationSchema },
    { heading: "## `settings`", schema: SettingsSchema },
    { heading: "## `guard:<name>`", schema: GuardSchema },
  ];

  it.each(sections)("$heading has one row per field, with the field's default", ({ heading, schema }) => {
    const rows = tableRows(doc, heading);
    const fields: Record<string, z.ZodType> = schema.shape;
    expect([...rows.keys()].sort(), `${CONFIG_DOC} rows vs fields in src/config/`).toEqual(Object.keys(fields).sort());
    for (const [field, fieldSchema] of Object.entries(fields)) {
      // What the field becomes when left out: its default, nothing (optional), or an error (required).
      const omitted = fieldSchema.safeParse(undefined);
      const expected = !omitted.success ? "—" : omitted.data === undefined ? "unset" : JSON.stringify(omitted.data);
      expect(rows.get(field), `${CONFIG_DOC}: default of ${field}`).toContain(expected);
    }
  });
});

describe("config/sample/", () => {
  const sampleDir = join(root, "config", "sample");
  const serverFiles = readdirSync(join(sampleDir, "servers")).filter((f) => f.endsWith(".json"));

  /** Files the dev script would not know how to seed are mistakes, not samples. */
  const agentFiles = readdirSync(join(sampleDir, "agents")).filter((f) => f.endsWith(".json"));

  it("holds only settings.json, servers/<name>.json and agents/<name>.json", () => {
    const topLevel = readdirSync(sampleDir).sort();
    expect(topLevel).toEqual(["agents", "servers", "settings.json"]);
    expect(readdirSync(join(sampleDir, "agents")).filter((f) => !f.endsWith(".json"))).toEqual([]);
    expect(readdirSync(join(sampleDir, "servers")).filter((f) => !f.endsWith(".json"))).toEqual([]);
    expect(serverFiles.length).toBeGreaterThan(0);
  });

  it("settings.json is valid settings", () => {
    expectValid(SettingsSchema, join(sampleDir, "settings.json"));
  });

  it.each(serverFiles)("servers/%s is a valid registration under a valid name", (file) => {
    expect(NameSchema.safeParse(basename(file, ".json")).success).toBe(true);
    expectValid(ServerRegistrationSchema, join(sampleDir, "servers", file));
  });

  it.each(agentFiles)("agents/%s is a valid agent under a valid name", (file) => {
    expect(NameSchema.safeParse(basename(file, ".json")).success).toBe(true);
    expectValid(AgentRulesSchema, join(sampleDir, "agents", file));
  });

  it("acts without a key as a sample agent that exists", () => {
    const settings = SettingsSchema.parse(JSON.parse(readFileSync(join(sampleDir, "settings.json"), "utf8")));
    expect(agentFiles).toContain(`${settings.anonymousAgent}.json`);
  });

  it("lets the MCP Inspector in from its usual origins, on loopback hosts only", () => {
    const settings = SettingsSchema.parse(JSON.parse(readFileSync(join(sampleDir, "settings.json"), "utf8")));
    expect(settings.allowedOrigins).toEqual(expect.arrayContaining(["http://localhost:6274", "http://127.0.0.1:6274"]));
    expect(settings.allowedHosts).toEqual(["localhost", "127.0.0.1"]);
  });
});

/** Field → "default" cell of the first table after a heading (rows: | `field` | type | default | meaning |). */
function tableRows(markdown: string, heading: string): Map<string, string> {
  const start = markdown.indexOf(`\n${heading}\n`);
  expect(start, `${CONFIG_DOC} has a section ${heading}`).toBeGreaterThan(-1);
  const section = markdown.slice(start + heading.length + 2).split("\n## ")[0]!;
  const lines = section.split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith("|"));
  const table = lines.slice(first, end === -1 ? undefined : end).join("\n");
  const rows = new Map<string, string>();
  for (const match of table.matchAll(/^\| `([A-Za-z]+)` +\|[^|]*\|([^|]*)\|/gm)) rows.set(match[1]!, match[2]!.trim());
  return rows;
}

function expectValid(schema: z.ZodType, path: string): void {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  expect(parsed.success, parsed.success ? "" : `${path}: ${z.prettifyError(parsed.error)}`).toBe(true);
}
