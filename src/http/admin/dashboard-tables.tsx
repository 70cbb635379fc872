// The dashboard's tables, one per part of the status report: upstreams, agents, recent
// denials and guard decisions, and tools worth a look. Each cell carries its column's name
// (data-label), which the style sheet shows when a narrow screen stacks the table. Every
// value goes through JSX, which escapes it.
import type { Child } from "hono/jsx";
import type { StatusReport } from "../status-report.js";

type Upstream = StatusReport["upstreams"][number];
type Latency = Upstream["latency"];
type Decision = StatusReport["recentDecisions"][number];

/** "2026-11-21 10:02:11Z": an ISO time, shorter. */
export function when(iso: string | undefined): string {
  return iso === undefined ? "—" : `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

interface TableProps {
  columns: string[];
  /** Columns of counts, aligned right on wide screens. */
  numeric?: string[];
  empty: string;
  children: Child[];
}

function Table({ columns, numeric = [], empty, children }: TableProps) {
  if (children.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          {columns.map((column) => (
            <th class={numeric.includes(column) ? "num" : undefined}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** One cell; its content in one box, so a stacked cell is its label and that box, side by side. */
function Cell({ label, class: className, children }: { label: string; class?: string; children?: Child }) {
  return (
    <td data-label={label} class={className}>
      <div>{children}</div>
    </td>
  );
}

function latencyText(latency: Latency): string {
  if (latency.count === 0) return "—";
  return `${latency.p50Ms ?? "?"} / ${latency.p95Ms ?? "?"} ms (${latency.count})`;
}

export function UpstreamsTable({ upstreams }: { upstreams: Upstream[] }) {
  const columns = ["Name", "Host", "Era", "Health", "Breaker", "p50 / p95", "OK / failed", "Last error"];
  return (
    <Table columns={columns} empty="No upstream is registered.">
      {upstreams.map((u) => (
        <tr>
          <Cell label="Name">
            <strong>{u.name}</strong>
            {u.usable ? null : <div class="failing">unusable: {u.problem ?? "invalid registration"}</div>}
          </Cell>
          <Cell label="Host">{u.host ?? "—"}</Cell>
          <Cell label="Era">{u.protocolVersion ? `${u.era} (${u.protocolVersion})` : u.era}</Cell>
          <Cell label="Health" class={u.health}>
            {u.health}
          </Cell>
          <Cell label="Breaker" class={u.breaker.state}>
            {u.breaker.state}
            {u.breaker.since ? <div class="muted">since {when(u.breaker.since)}</div> : null}
          </Cell>
          <Cell label="p50 / p95">{latencyText(u.latency)}</Cell>
          <Cell label="OK / failed">{`${u.requests.ok} / ${u.requests.failed}`}</Cell>
          <Cell label="Last error">
            {u.lastError ? (
              <>
                <code>{u.lastError.code}</code> {u.lastError.message}
                <div class="muted">{when(u.lastError.at)}</div>
              </>
            ) : (
              "—"
            )}
          </Cell>
        </tr>
      ))}
    </Table>
  );
}

export function AgentsTable({ agents }: { agents: StatusReport["agents"] }) {
  const numeric = ["Sessions open", "Sessions started", "Calls", "Call errors"];
  return (
    <Table columns={["Agent", ...numeric]} numeric={numeric} empty="No agent has opened a session or made a call yet.">
      {agents.map((a) => (
        <tr>
          <Cell label="Agent">
            <strong>{a.agent}</strong>
          </Cell>
          <Cell label="Sessions open" class="num">
            {a.sessions.active}
          </Cell>
          <Cell label="Sessions started" class="num">
            {a.sessions.started}
          </Cell>
          <Cell label="Calls" class="num">
            {a.calls}
          </Cell>
          <Cell label="Call errors" class={a.callErrors > 0 ? "num failing" : "num"}>
            {a.callErrors}
          </Cell>
        </tr>
      ))}
    </Table>
  );
}

function decisionText(d: Decision): Child {
  if (d.kind === "deny") return <code>{d.rule ?? "policy"}</code>;
  const detectors = d.detectors?.length ? ` · ${d.detectors.join(", ")}` : "";
  return (
    <>
      guard <strong>{d.guard ?? "?"}</strong>
      {detectors} → <span class={d.action}>{d.action ?? "?"}</span>
      {d.side ? <span class="muted"> ({d.side})</span> : null}
    </>
  );
}

export function DecisionsTable({ decisions }: { decisions: Decision[] }) {
  const columns = ["Time", "Agent", "Server", "Tool / method", "Decision", "Why"];
  return (
    <Table columns={columns} empty="No denial or guard decision yet.">
      {decisions.map((d) => (
        <tr>
          <Cell label="Time">{when(d.at)}</Cell>
          <Cell label="Agent">{d.delegate ? `${d.agent} › ${d.delegate}` : (d.agent ?? "—")}</Cell>
          <Cell label="Server">{d.server ?? "—"}</Cell>
          <Cell label="Tool / method">
            {d.item ? <code>{d.item}</code> : null} <span class="muted">{d.method}</span>
          </Cell>
          <Cell label="Decision" class={d.kind}>
            {d.kind === "deny" ? "denied" : "guard"}
          </Cell>
          <Cell label="Why">{decisionText(d)}</Cell>
        </tr>
      ))}
    </Table>
  );
}

export function PinsTable({ tools }: { tools: StatusReport["tools"] }) {
  return (
    <Table columns={["Server", "Tool", "State", "Markers", "Drifted at"]} empty="No tool drifted or was flagged.">
      {tools.attention.map((pin) => (
        <tr>
          <Cell label="Server">{pin.server}</Cell>
          <Cell label="Tool">
            <code>{pin.tool}</code>
          </Cell>
          <Cell label="State" class={pin.state === "pinned" || pin.state === "approved" ? "ok" : "failing"}>
            {pin.state}
          </Cell>
          <Cell label="Markers">{pin.markers.length ? pin.markers.join(", ") : "—"}</Cell>
          <Cell label="Drifted at">{when(pin.driftedAt)}</Cell>
        </tr>
      ))}
    </Table>
  );
}
