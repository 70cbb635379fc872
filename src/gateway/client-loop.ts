// One client request against one upstream with the client kept in the loop: progress
// under the client's own token, log messages at the client's level, the upstream's
// questions answered by the client. A current-era client answers `input_required`
// itself (it is passed through); for a legacy client the gateway asks on the client's
// stream and retries with the answers. What the client may ask for itself (its own
// timeout) is read off the request here.
import { errors } from "../mcp/errors.js";
import { questionErrors } from "../mcp/questions.js";
import { asRecord } from "../mcp/jsonrpc.js";
import { isInputRequired } from "../mcp/eras.js";
import { GATEWAY_META } from "../mcp/gateway-info.js";
import { refusedQuestion, relayableCapabilities, type ClientAnswer } from "../mcp/questions.js";
import { log } from "../observe/log.js";
import type { RequestOptions } from "../upstream/link.js";
import type { Call, Params } from "./call.js";
import { wantsLog, type ClientChannel } from "./client-channel.js";
import type { CallPlacement } from "./placement.js";
import type { Sent, Upstream } from "./upstreams.js";
import { clientTaskStatus, TASK_STATUS } from "./tasks/task-ids.js";

/** An upstream asking for input more often than this in one call is cut off. */
const MAX_INPUT_ROUNDS = 10;

export async function exchangeWithClient(
  call: Call,
  upstream: Upstream,
  placement: CallPlacement,
  method: string,
  params: Params,
): Promise<Sent> {
  const server = upstream.server.name;
  const prepared = clientOptions(call, server, params);
  let sent = prepared.sent;
  let outcome = await upstream.send(placement, method, sent, prepared.options);
  for (let round = 1; outcome.kind === "answered" && "result" in outcome.response; round++) {
    const result = outcome.response.result;
    if (!isInputRequired(result) || call.channel.era === "modern") return outcome;
    if (round > MAX_INPUT_ROUNDS) {
      throw errors.upstreamError(server, `still asked for input after ${MAX_INPUT_ROUNDS} rounds`);
    }
    const inputResponses = await answerInputRequests(call.channel, server, asRecord(result["inputRequests"]));
    const requestState = result["requestState"];
    sent = { ...sent, inputResponses, ...(typeof requestState === "string" ? { requestState } : {}) };
    outcome = await upstream.send(placement, method, sent, prepared.options);
  }
  return outcome;
}

/** What is sent upstream for the client's `params`, and how the upstream's messages reach the client. */
export function clientOptions(call: Call, server: string, params: Params): { sent: Params; options: RequestOptions } {
  const { channel, ctx } = call;
  const { timeoutMs, meta } = callTimeout(asRecord(params["_meta"]), ctx.snapshot.settings.maxTimeoutMs);
  const clientToken = meta["progressToken"];
  let sent = timeoutMs === undefined ? params : { ...params, _meta: meta };
  let upstreamToken: string | undefined;
  if (typeof clientToken === "string" || typeof clientToken === "number") {
    upstreamToken = `gw-progress-${crypto.randomUUID()}`;
    sent = { ...params, _meta: { ...meta, progressToken: upstreamToken } };
  }
  const options: RequestOptions = {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onNotification: (notification) => {
      const p = asRecord(notification.params);
      if (notification.method === "notifications/progress") {
        if (upstreamToken !== undefined && p["progressToken"] === upstreamToken)
          channel.notify({ ...notification, params: { ...p, progressToken: clientToken } });
      } else if (notification.method === "notifications/message") {
        if (wantsLog(channel, p["level"])) channel.notify(notification);
      } else if (notification.method === TASK_STATUS) {
        const relayed = clientTaskStatus(ctx, server, notification).then((n) => n && channel.notify(n));
        ctx.background(relayed.catch(() => undefined));
      } else ctx.session.upstreamNotification(server, notification);
    },
    ...(channel.ask ? { onRequest: (m, p) => askClient(channel, server, m, p) } : {}),
    ...(channel.signal ? { signal: channel.signal } : {}),
    clientCapabilities: relayableCapabilities(channel.capabilities),
    ...(channel.logLevel !== undefined ? { logLevel: channel.logLevel } : {}),
  };
  return { sent, options };
}

/**
 * The client's own timeout for this call, if it set one in `_meta`, and the `_meta` to
 * forward without it. Out of range is the client's mistake, said as such.
 */
function callTimeout(meta: Params, maxTimeoutMs: number): { timeoutMs?: number; meta: Params } {
  if (!Object.hasOwn(meta, GATEWAY_META.timeoutMs)) return { meta };
  const { [GATEWAY_META.timeoutMs]: timeoutMs, ...rest } = meta;
  if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > maxTimeoutMs) {
    throw errors.invalidParams(
      `_meta '${GATEWAY_META.timeoutMs}' must be an integer from 100 to ${maxTimeoutMs} (settings.maxTimeoutMs)`,
    );
  }
  return { timeoutMs, meta: rest };
}

/** The client's answers to a current-era upstream's `inputRequests`, asked one by one. */
async function answerInputRequests(channel: ClientChannel, server: string, requests: Params): Promise<Params> {
  const answers: Array<[string, unknown]> = [];
  for (const [key, request] of Object.entries(requests)) {
    const { method, params } = asRecord(request);
    const name = typeof method === "string" ? method : "an unknown request";
    const answer = await askClient(channel, server, name, asRecord(params));
    if ("error" in answer) throw errors.inputUnavailable(server, name, answer.error.message);
    answers.push([key, answer.result]);
  }
  // Own properties whatever the upstream's keys (`__proto__` included).
  return Object.fromEntries(answers);
}

/** Asks the client on the upstream's behalf, or says clearly why it cannot be asked. */
async function askClient(
  channel: ClientChannel,
  server: string,
  method: string,
  params: Params,
): Promise<ClientAnswer> {
  if (!channel.ask) return { error: questionErrors.noStream(method) };
  const refused = refusedQuestion(method, channel.capabilities);
  if (refused) return refused;
  const answer = await channel.ask(method, params, server);
  if ("error" in answer) return answer;
  log("info", "relay.answered", { server, method });
  return answer;
}
