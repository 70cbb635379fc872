// `guard:<name>`: what a guard looks for in what passes through a call, and what it does
// with a match. Registrations, agents and virtual servers name guards in `guards`; every
// guard that applies to a call applies. Parsing only: running guards is gateway/guards/.
import { isSupportedCountry } from "libphonenumber-js/max";
import { z } from "zod";
import { AuthUrlSchema } from "./oauth-schema.js";

export const GuardActionSchema = z
  .enum(["mask", "block", "log"])
  .describe(
    "mask: replace each match with a placeholder naming its kind (<EMAIL>); block: refuse the request or the result; log: only an audit line.",
  );
export type GuardAction = z.infer<typeof GuardActionSchema>;

/** The detectors a guard may name: the built-ins, and `custom` for its own patterns. */
export const DETECTOR_NAMES = ["email", "phone", "credit_card", "iban", "ip", "secret", "custom"] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

const DetectSchema = z
  .partialRecord(z.enum(DETECTOR_NAMES), GuardActionSchema)
  .describe(
    "Per detector (`email`, `phone`, `credit_card`, `iban`, `ip`, `secret`, `custom`): `mask`, `block` or `log` a match. Empty is only valid with a `provider`.",
  );

/** Upper-case kinds, as placeholders show them: `<EMPLOYEE_ID>`. */
const KindSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,31}$/, "upper-case letters, digits and '_', starting with a letter, at most 32");

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, "gu");
    return true;
  } catch {
    return false;
  }
}

const CustomPatternSchema = z
  .object({
    kind: KindSchema.describe("What the pattern finds, as its placeholder names it: EMPLOYEE_ID → <EMPLOYEE_ID>."),
    pattern: z
      .string()
      .min(1)
      .max(1000)
      .refine(compiles, "must be a valid JavaScript regular expression (it runs with the 'u' flag)")
      .refine((pattern) => !compiles(pattern) || !new RegExp(`^(?:${pattern})$`, "u").test(""), {
        message: "must not match the empty string",
      })
      .describe("A JavaScript regular expression (run with the 'g' and 'u' flags)."),
  })
  .strict();

const ProviderUrlSchema = AuthUrlSchema;

export const PresidioProviderSchema = z
  .object({
    type: z.literal("presidio").describe("The analyzer's API: Presidio's `POST <url>/analyze`."),
    url: ProviderUrlSchema.describe("Its base URL: `https://`, or `http://` on loopback only; no credentials in it."),
    entities: z
      .record(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "a Presidio entity type such as PERSON"), GuardActionSchema)
      .refine((entities) => Object.keys(entities).length > 0, "name at least one entity type")
      .describe(
        "Which Presidio entity types to ask for (`PERSON`, `US_SSN`, …) and what to do with each: `mask`, `block` or `log`.",
      ),
    language: z
      .string()
      .regex(/^[a-z]{2}$/)
      .default("en")
      .describe("Sent as `language`: two lower-case letters."),
    scoreThreshold: z.number().min(0).max(1).default(0.5).describe("Findings scored lower are ignored."),
    timeoutMs: z.number().int().min(50).max(30_000).default(2000).describe("How long the analyzer may take."),
    onError: z
      .enum(["block", "allow"])
      .describe(
        "When the analyzer fails, answers something that is not a list of findings, or is slower than `timeoutMs`: `block` refuses the call (`GUARD_UNAVAILABLE`); `allow` lets it through with only the built-in detectors' checks. Audited either way.",
      ),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(8192))
      .default({})
      .describe("Headers sent to the analyzer; values may reference Worker secrets as `${NAME}`."),
  })
  .strict();
export type PresidioProvider = z.infer<typeof PresidioProviderSchema>;

export const GuardSchema = z
  .object({
    description: z.string().max(2000).default("").describe("What the guard is for, for people reading the config."),
    detect: DetectSchema.default({}),
    on: z
      .array(z.enum(["request", "response"]))
      .min(1)
      .default(["request", "response"])
      .describe("Which side the guard checks: the request's arguments, the result, or both."),
    patterns: z
      .array(CustomPatternSchema)
      .max(100)
      .default([])
      .describe(
        "The `custom` detector's patterns (required when `detect.custom` is set): `kind` upper-case (`EMPLOYEE_ID`, as its placeholder names it), `pattern` a JavaScript regular expression (at most 1000 characters, run with the `g` and `u` flags) that cannot match the empty string.",
      ),
    phoneRegion: z
      .string()
      .regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code such as US or DE")
      .refine(isSupportedCountry, "a country with a telephone numbering plan")
      .default("US")
      .describe(
        "The country (an ISO 3166-1 alpha-2 code) whose national format phone numbers without `+` are read in.",
      ),
    provider: PresidioProviderSchema.optional().describe(
      "An external analyzer that speaks Presidio's API, asked beside the built-in detectors; its fields are below.",
    ),
  })
  .strict()
  .refine((guard) => Object.keys(guard.detect).length > 0 || guard.provider !== undefined, {
    message: "detect names no detector and there is no provider: the guard would check nothing",
  })
  .refine((guard) => guard.detect.custom === undefined || guard.patterns.length > 0, {
    message: "detect.custom needs at least one entry in patterns",
    path: ["patterns"],
  });
export type Guard = z.infer<typeof GuardSchema>;

/** `guards` on a registration, an agent or a virtual server: guard names. */
export const GuardNamesSchema = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "a guard name"))
  .max(32)
  .describe("Guards (guard:<name> entries) that apply to calls here. A name with no valid entry refuses calls.");
