// The guard stage of a call (tools/call, prompts/get, resources/read), on both sides of
// the upstream exchange: the request's arguments before anything is sent, the result
// before the client sees it. Every guard that applies checks; block wins over mask, mask
// over log. Each guard that matched writes one audit line per side (its action, and per
// detector the count and action; never the value). A masked tool result whose structured content
// no longer matches the tool's outputSchema is blocked rather than sent broken. A call
// with no guard costs one look at three short lists (callGuards).
import { errors } from "../../mcp/errors.js";
import { isInputRequired } from "../../mcp/eras.js";
import { resultResponse } from "../../mcp/jsonrpc.js";
import { audit } from "../../observe/audit.js";
import type { Call, Params } from "../call.js";
import type { CallContext } from "../context.js";
import { auditLine } from "../record.js";
import { answered, type CallSubject, type Sent, type Upstream } from "../upstreams.js";
import { guardNames, guardPlan, type GuardPlan, type GuardProvider, type Side, type SidePlan } from "./guard-plan.js";
import { keepsOutputSchema } from "./output-schema.js";
import { analyze } from "./presidio.js";
import { applyRules, maskedValue, newScan, note, stringsIn, type Hit, type Scan } from "./scan.js";

/** The methods whose arguments and results carry the caller's and the server's content. */
/** A task's result (tasks/result) is a tool's result: the same guards read it. */
const GUARDED_METHODS: ReadonlySet<string> = new Set(["tools/call", "tasks/result", "prompts/get", "resources/read"]);

/** The guards of a call to this upstream, or undefined when none applies. */
export function callGuards(ctx: CallContext, upstream: Upstream, method: string): GuardPlan | undefined {
  if (!GUARDED_METHODS.has(method)) return undefined;
  const names = guardNames(ctx.snapshot, ctx.identity, upstream.server);
  return names.length === 0 ? undefined : guardPlan(ctx.snapshot, names);
}

/** What one check is about, for its audit lines and errors. */
interface Checked {
  call: Call;
  upstream: Upstream;
  method: string;
  subject: CallSubject | undefined;
  side: Side;
}

/** The request's parameters with its arguments checked (masked where a guard says so); throws when refused. */
export async function guardRequest(about: Omit<Checked, "side">, plan: GuardPlan, params: Params): Promise<Params> {
  refuseMissing(about, plan);
  const args = params["arguments"];
  if (!plan.request || args === undefined) return params;
  const checked = await check({ ...about, side: "request" }, plan.request, args);
  return checked === args ? params : { ...params, arguments: checked };
}

/** The answer with its result checked (masked where a guard says so); throws when refused. */
export async function guardResponse(about: Omit<Checked, "side">, plan: GuardPlan, sent: Sent): Promise<Sent> {
  refuseMissing(about, plan);
  if (!plan.response || sent.kind !== "answered" || !("result" in sent.response)) return sent;
  const result = sent.response.result;
  if (isInputRequired(result)) return sent;
  const { _meta, ...content } = result;
  const checked = (await check({ ...about, side: "response" }, plan.response, content)) as Params;
  if (checked === content) return sent;
  if (about.subject?.kind === "tools" && checked["structuredContent"] !== content["structuredContent"]) {
    const problem = await keepsOutputSchema(about.call.ctx, about.upstream, about.subject.name ?? "", checked);
    if (problem !== undefined)
      throw errors.guardCannotMask(maskingGuard(plan.response), "response", about.upstream.server.name, problem);
  }
  return answered(resultResponse(sent.response.id, _meta === undefined ? checked : { ...checked, _meta }));
}

function refuseMissing(about: Omit<Checked, "side">, plan: GuardPlan): void {
  const missing = plan.missing[0];
  if (missing === undefined) return;
  const reason = `no valid guard:${missing} entry`;
  writeAudit({ ...about, side: "request" }, { guard: missing, action: "block", reason });
  throw errors.guardUnavailable(missing, `${reason}; calls it applies to are refused until it exists`);
}

async function check(about: Checked, plan: SidePlan, value: unknown): Promise<unknown> {
  const server = about.upstream.server.name;
  const strings = stringsIn(value);
  const first = plan.rules[0]?.guard ?? plan.providers[0]!.guard;
  if (strings === undefined) throw errors.guardUnavailable(first, `the ${about.side} is nested too deeply to check`);
  const scan = newScan(strings);
  applyRules(scan, plan.rules);
  await Promise.all(plan.providers.map((provider) => consult(about, provider, scan)));
  const hits = [...scan.hits.values()];
  auditHits(about, hits);
  const blocking = hits.find((hit) => hit.action === "block");
  if (blocking) throw errors.guardBlocked(blocking.guard, blocking.detector, about.side, server);
  if (scan.toMask.size === 0) return value;
  const masked = maskedValue(value, scan.toMask);
  const masker = hits.find((hit) => hit.action === "mask")!.guard;
  if (masked === undefined) throw errors.guardCannotMask(masker, about.side, server, "two keys would become one");
  return masked;
}

/** Asks a guard's analyzer; a failure blocks or lets through as the guard declares, audited either way. */
async function consult(about: Checked, provider: GuardProvider, scan: Scan): Promise<void> {
  const analysis = await analyze(provider, scan.strings);
  if (!analysis.ok) {
    const action = provider.provider.onError === "block" ? "block" : "allow";
    writeAudit(about, { guard: provider.guard, detector: "presidio", action, reason: analysis.reason });
    if (action === "block") throw errors.guardUnavailable(provider.guard, analysis.reason);
    return;
  }
  for (const { text, match } of analysis.findings) {
    const action = provider.provider.entities[match.kind]!;
    note(scan, { guard: provider.guard, detector: match.detector, action }, text, [match]);
  }
}

function maskingGuard(plan: SidePlan): string {
  return plan.rules.find((rule) => rule.action === "mask")?.guard ?? plan.providers[0]?.guard ?? "";
}

const STRENGTH = { log: 0, mask: 1, block: 2 } as const;

/**
 * One audit line per guard that matched on this side: what it did (its strongest action),
 * how many matches in all, and per detector the count and action. Never a value.
 */
function auditHits(about: Checked, hits: readonly Hit[]): void {
  const byGuard = new Map<string, Hit[]>();
  for (const hit of hits) {
    const found = byGuard.get(hit.guard);
    if (found) found.push(hit);
    else byGuard.set(hit.guard, [hit]);
  }
  for (const [guard, found] of byGuard) {
    const action = found.reduce((a, b) => (STRENGTH[b.action] > STRENGTH[a.action] ? b : a)).action;
    const count = found.reduce((sum, hit) => sum + hit.count, 0);
    const detections = found.map(({ detector, count, action }) => ({ detector, count, action }));
    writeAudit(about, { guard, action, count, detections });
  }
}

interface GuardFacts {
  guard: string;
  action: string;
  detector?: string;
  count?: number;
  detections?: Array<{ detector: string; count: number; action: string }>;
  reason?: string;
}

function writeAudit(about: Checked, facts: GuardFacts): void {
  const { call, upstream, method, subject, side } = about;
  const line = auditLine(call.ctx, {
    kind: "guard",
    method,
    server: upstream.server.name,
    name: subject?.name,
    uri: subject?.uri,
    side,
    ...facts,
    ...(subject?.via ? { via: subject.via.tool } : {}),
  });
  audit(line);
}
