// Tool pinning: `settings.toolPinning` says what happens when an upstream's tool definition
// changes after the gateway first saw it, and `pin:<server>` is where an operator approves
// a changed definition by its fingerprint. Parsing only: pinning itself is gateway/pins/.
import { z } from "zod";

export const ToolPinningSchema = z
  .enum(["off", "alert", "quarantine"])
  .describe(
    "off: tool definitions are not fingerprinted; alert: a changed definition is kept and a tool.drift line written; quarantine: it is also hidden and its calls refused until pin:<server> approves its new fingerprint.",
  );
export type ToolPinning = z.infer<typeof ToolPinningSchema>;

/** A tool's fingerprint: SHA-256 hex of its definition (see gateway/pins/tool-fingerprint.ts). */
export const FingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 fingerprint: 64 lower-case hex digits");

export const PinApprovalsSchema = z
  .record(z.string().min(1).max(256), FingerprintSchema)
  .describe("Per tool (the upstream's own name): the fingerprint of the definition the operator approves.");
export type PinApprovals = z.infer<typeof PinApprovalsSchema>;
