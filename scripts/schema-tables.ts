// Renders the field tables of docs/configuration.md from the zod schemas: one row per
// field with its type, its default and its description. The prose around the tables is
// written by hand; only what sits between `<!-- schema-table: <name> -->` and
// `<!-- /schema-table -->` is generated. Pure apart from Prettier, which lays out the
// tables as `npm run format` would, so `npm run schemas` and the staleness test agree.
import { format, resolveConfig } from "prettier";
import { z } from "zod";
import { GuardSchema, PresidioProviderSchema } from "../src/config/guard-schema.js";
import { OAuthIssuerSchema } from "../src/config/oauth-schema.js";
import {
  AgentRulesSchema,
  ApiKeySchema,
  RateLimitSchema,
  RateLimitsSchema,
  RuleSetSchema,
  ServerRegistrationSchema,
  SettingsSchema,
  VirtualServerSchema,
} from "../src/config/schemas.js";

/** Where the reference lives, relative to the repository root. */
export const CONFIG_DOC = "docs/configuration.md";

/** Each generated table, by the name its markers use. */
export const SCHEMA_TABLES: Record<string, z.ZodObject> = {
  server: ServerRegistrationSchema,
  settings: SettingsSchema,
  "oauth-issuer": OAuthIssuerSchema,
  agent: AgentRulesSchema,
  "rule-set": RuleSetSchema,
  "rate-limits": RateLimitsSchema,
  "rate-limit": RateLimitSchema,
  "virtual-server": VirtualServerSchema,
  apikey: ApiKeySchema,
  guard: GuardSchema,
  presidio: PresidioProviderSchema,
};

const BLOCK = /<!-- schema-table: ([a-z-]+) -->\n[\s\S]*?<!-- \/schema-table -->/g;

/** The document with every marked table rendered from its schema, formatted by Prettier. */
export async function renderConfigDoc(markdown: string, path: string): Promise<string> {
  const seen = new Set<string>();
  const filled = markdown.replace(BLOCK, (_block, name: string) => {
    const schema = SCHEMA_TABLES[name];
    if (!schema) throw new Error(`${path}: no schema for the table '${name}'`);
    seen.add(name);
    return `<!-- schema-table: ${name} -->\n\n${fieldTable(schema)}\n<!-- /schema-table -->`;
  });
  const missing = Object.keys(SCHEMA_TABLES).filter((name) => !seen.has(name));
  if (missing.length > 0) throw new Error(`${path}: no place for the table(s) ${missing.join(", ")}`);
  const options = (await resolveConfig(path)) ?? {};
  return format(filled, { ...options, filepath: path });
}

/** JSON Schema as z.toJSONSchema writes it: only the keywords this file reads. */
interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
}

/** `| field | type | default | meaning |`, one row per field in the schema's order. */
export function fieldTable(schema: z.ZodObject): string {
  // Input side: what an operator writes into KV, so fields with defaults are optional.
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const rows = Object.entries(json.properties ?? {}).map(([field, property]) => {
    const needed = required.has(field);
    const type = typeText(property) + (needed ? ", required" : "");
    const fallback = needed ? "—" : "default" in property ? code(JSON.stringify(property.default)) : "unset";
    return [code(field), type, fallback, property.description ?? ""].map(cell);
  });
  const lines = [["field", "type", "default", "meaning"], ["---", "---", "---", "---"], ...rows];
  return lines.map((row) => `| ${row.join(" | ")} |`).join("\n") + "\n";
}

/** A short type: `integer, 100–300000`, `string, ≤ 2000`, `array of string (≤ 32)`, `{ issuer, audience? }`. */
export function typeText(schema: JsonSchema, nested = false): string {
  if (schema.anyOf)
    return schema.anyOf.map((variant, i) => variantText(variant, schema.anyOf!.slice(0, i))).join(" or ");
  if ("const" in schema) return code(JSON.stringify(schema.const));
  if (schema.enum) return oneOf(schema.enum.map((value) => code(String(value))));
  switch (schema.type) {
    case "string":
      return stringText(schema, nested);
    case "integer":
    case "number":
      return schema.type + range(schema.minimum, schema.maximum, ", ");
    case "array":
      return `array of ${schema.items ? typeText(schema.items, true) : "anything"}${count(schema)}`;
    case "object":
      return objectText(schema);
    default:
      return schema.type ?? "anything";
  }
}

/** A variant of a union; "an array of those" when it is a list of an earlier variant (`oauth`). */
function variantText(variant: JsonSchema, earlier: JsonSchema[]): string {
  const listOfEarlier =
    variant.type === "array" && earlier.some((e) => JSON.stringify(e) === JSON.stringify(variant.items));
  return listOfEarlier ? `an array of those${count(variant)}` : typeText(variant, true);
}

function oneOf(names: string[]): string {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

function stringText(schema: JsonSchema, nested: boolean): string {
  const kind = schema.format === "date-time" ? "ISO 8601 datetime" : schema.format === "uri" ? "URL" : "string";
  if (nested || kind !== "string") return kind;
  if (schema.maxLength === undefined) return kind;
  return schema.minLength ? `string, ${schema.minLength}–${schema.maxLength}` : `string, ≤ ${schema.maxLength}`;
}

function objectText(schema: JsonSchema): string {
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    const fields = Object.keys(schema.properties).map((field) => (required.has(field) ? field : `${field}?`));
    return code(`{ ${fields.join(", ")} }`);
  }
  const values = schema.additionalProperties;
  return typeof values === "object" ? `object: name → ${typeText(values, true)}` : "object";
}

function range(min: number | undefined, max: number | undefined, lead: string): string {
  if (min !== undefined && max !== undefined) return `${lead}${min}–${max}`;
  if (min !== undefined) return `${lead}≥ ${min}`;
  return max !== undefined ? `${lead}≤ ${max}` : "";
}

function count(schema: JsonSchema): string {
  const { minItems, maxItems } = schema;
  if (minItems && maxItems) return ` (${minItems}–${maxItems})`;
  if (minItems) return ` (at least ${minItems})`;
  return maxItems !== undefined ? ` (≤ ${maxItems})` : "";
}

function code(text: string): string {
  return `\`${text}\``;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
