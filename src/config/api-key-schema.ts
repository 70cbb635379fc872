// `apikey:<sha256>`: which agent a key authenticates as. Parsing only.
import { z } from "zod";
import { NameSchema } from "./name-schema.js";

export const ApiKeySchema = z
  .object({
    agent: NameSchema.describe("The agent the key authenticates as."),
    label: z.string().max(200).optional().describe("Who or what holds the key; shown in audit lines as `keyLabel`."),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("From this instant on the key is refused (401). With seconds, and `Z` or an offset."),
    createdAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the key was made; `npm run key:create` sets it. Informational."),
  })
  .strict();
export type ApiKey = z.infer<typeof ApiKeySchema>;
