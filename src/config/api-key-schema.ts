// `apikey:<sha256>`: which agent a key authenticates as. Parsing only.
import { z } from "zod";
import { NameSchema } from "./name-schema.js";

export const ApiKeySchema = z
  .object({
    agent: NameSchema.describe("The agent this key authenticates as."),
    label: z.string().max(200).optional().describe("Who or what holds the key, for people and audit lines."),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe("After this instant the key is refused."),
    createdAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type ApiKey = z.infer<typeof ApiKeySchema>;
