// The record stage of the pipeline: the audit lines of one request, sharing the fields
// that say who asked, through which key and request, under which config revision.
import { audit, type AuditLine } from "../observe/audit.js";
import type { CallContext } from "./context.js";

/** The fields every audit line of this request shares, plus the line's own (undefined ones dropped). */
export function auditLine(ctx: CallContext, line: AuditLine): AuditLine {
  const { agent, delegate, virtualServer } = ctx.identity;
  const { trace: _trace, ...caller } = ctx.caller;
  const full: Record<string, unknown> = { ...caller, agent, delegate, virtualServer, ...line };
  full["revision"] = ctx.snapshot.revision;
  // With traces on, the line names its trace, so a log search and a trace view meet.
  if (ctx.span) full["traceId"] = ctx.span.context.traceId;
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return full as unknown as AuditLine;
}

/** A list answered: how many items the principal saw, of how many. */
export function auditFiltered(ctx: CallContext, method: string, shown: number, total: number): void {
  audit(auditLine(ctx, { kind: "decision", method, decision: "filtered", shown, total }));
}

/** A request refused by policy, with the rule that refused it. */
export function auditDenied(ctx: CallContext, method: string, details: Record<string, unknown>): void {
  const { server, name, uri, rule } = details as Record<string, string | undefined>;
  audit(auditLine(ctx, { kind: "decision", method, decision: "deny", server, name, uri, rule }));
}
