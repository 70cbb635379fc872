// The form of registration, agent, virtual-server and guard names. Parsing only.
import { z } from "zod";

/** Registration, agent and virtual-server names. */
export const NameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "lower-case letters, digits, '-', '_' and '.', starting with a letter or digit")
  .describe("1 to 63 lower-case letters, digits, '-', '_' and '.', starting with a letter or digit");
