// Whether a tool result changed by the gateway (masked, cut) still matches the tool's
// declared outputSchema, as the clients that validate structured content (the official
// SDKs do) will check it. Validated with @cfworker/json-schema, the validator the MCP SDK
// itself uses on Workers (no code generation, which Workers forbid). The tool's definition
// comes from the list the call was routed by (tool-definition.ts); when no list can be had,
// the answer is "cannot tell", which callers treat as a failed check.
import { Validator, type Schema } from "@cfworker/json-schema";
import type { CallContext } from "../context.js";
import type { Upstream } from "../upstreams.js";
import { toolDefinition } from "./tool-definition.js";

const validators = new WeakMap<object, Validator>();

/** Undefined when `result`'s structured content matches the tool's outputSchema (or it declares none); else why not. */
export async function keepsOutputSchema(
  ctx: CallContext,
  upstream: Upstream,
  tool: string,
  result: Record<string, unknown>,
): Promise<string | undefined> {
  const definition = await toolDefinition(ctx, upstream, tool);
  if (definition === undefined) return "the tool's outputSchema could not be read to check the changed result";
  const schema = definition["outputSchema"];
  if (typeof schema !== "object" || schema === null) return undefined;
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = new Validator(schema as Schema, "2020-12", true)));
  const outcome = validator.validate(result["structuredContent"]);
  if (outcome.valid) return undefined;
  const where = outcome.errors[0]?.instanceLocation ?? "#";
  return `its structured content would no longer match the tool's outputSchema at ${where}`;
}
