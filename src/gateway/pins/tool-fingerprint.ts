// A tool definition's fingerprint: the SHA-256 of what a model reads and what a call must
// match (name, title, description, input and output schema, annotations) in a canonical
// JSON form (keys sorted at every depth, so an upstream that reorders keys changes
// nothing), and one digest per field, so a change can say which fields changed.
import { sha256Hex } from "../../observe/hash.js";

export const FINGERPRINTED_FIELDS = [
  "name",
  "title",
  "description",
  "inputSchema",
  "outputSchema",
  "annotations",
] as const;
export type FingerprintedField = (typeof FINGERPRINTED_FIELDS)[number];

export interface ToolPrint {
  name: string;
  fingerprint: string;
  fields: Record<FingerprintedField, string>;
}

export async function toolPrint(tool: Record<string, unknown>): Promise<ToolPrint> {
  const fields = {} as Record<FingerprintedField, string>;
  const parts: Record<string, unknown> = {};
  for (const field of FINGERPRINTED_FIELDS) {
    parts[field] = tool[field] ?? null;
    fields[field] = (await sha256Hex(canonical(parts[field]))).slice(0, 16);
  }
  return { name: String(tool["name"]), fingerprint: await sha256Hex(canonical(parts)), fields };
}

/** JSON with object keys sorted at every depth. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Which fields differ between two prints of a tool. */
export function changedFields(before: Record<string, string>, after: Record<string, string>): FingerprintedField[] {
  return FINGERPRINTED_FIELDS.filter((field) => before[field] !== after[field]);
}
