// The /admin dashboard: the status report (status-report.ts, the same one /status serves)
// as a page a person reads on a desk or a phone, reloading itself every REFRESH_SECONDS.
// Sections: configuration, upstreams, agents, recent denials and guard decisions, tools
// worth a look. Read-only: the one form signs out.
import type { StatusReport } from "../status-report.js";
import { Layout, REFRESH_SECONDS } from "./admin-layout.js";
import { AgentsTable, DecisionsTable, PinsTable, UpstreamsTable, when } from "./dashboard-tables.js";

export function Dashboard({ report }: { report: StatusReport }) {
  const { counts } = report;
  return (
    <Layout title="MCP gateway admin" refresh>
      <header>
        <h1>MCP gateway admin</h1>
        <span class="muted">
          {report.gateway.name} {report.gateway.version} · {when(report.generatedAt)} · refreshes every{" "}
          {REFRESH_SECONDS} s
        </span>
        <form class="inline" method="post" action="/admin/logout">
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main>
        <ConfigSection config={report.config} />
        <h2>Upstreams</h2>
        <UpstreamsTable upstreams={report.upstreams} />
        <h2>Agents</h2>
        <p class="muted">
          Since {when(report.countingSince)}: {counts.requests} requests ({counts.errors} answered with an error),{" "}
          {counts.calls} upstream calls ({counts.callErrors} failed), {counts.sessions.started} sessions started (
          {counts.sessions.active} open).
        </p>
        <AgentsTable agents={report.agents} />
        <h2>Recent denials and guard decisions</h2>
        <DecisionsTable decisions={report.recentDecisions} />
        <h2>Tools worth a look</h2>
        <p class="muted">Tool pinning: {report.tools.pinning}.</p>
        <PinsTable tools={report.tools} />
      </main>
    </Layout>
  );
}

function ConfigSection({ config }: { config: StatusReport["config"] }) {
  return (
    <section>
      <h2>Configuration</h2>
      <dl class="facts">
        <dt>Revision</dt>
        <dd>
          <code>{config.revision}</code>
        </dd>
        <dt>Loaded at</dt>
        <dd>{when(config.loadedAt)}</dd>
        <dt>Entries</dt>
        <dd>
          {config.servers} servers, {config.agents} agents, {config.virtualServers} virtual servers, {config.apiKeys}{" "}
          API keys
        </dd>
        <dt>Exposure</dt>
        <dd>{config.exposure.default}</dd>
      </dl>
      {config.invalidEntries.length > 0 ? (
        <>
          <h3>Problems</h3>
          <ul class="problems">
            {config.invalidEntries.map((entry) => (
              <li>
                <code>{entry.key}</code>: {entry.problem}
                {entry.keptLastGood ? " (its last good version is still served)" : ""}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p class="ok">No invalid entries.</p>
      )}
      {config.warnings.length > 0 ? (
        <>
          <h3>Warnings</h3>
          <ul class="warnings">
            {config.warnings.map((warning) => (
              <li>{warning}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
