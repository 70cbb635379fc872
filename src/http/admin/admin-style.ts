// The /admin pages' one style sheet, inline, and the hash the Content-Security-Policy
// allows it by (no other style, and no script, may run). Tables turn into stacked cards
// on narrow screens, each cell labelled by its data-label. The markup is the pages' own.

export const ADMIN_CSS = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header, main { max-width: 72rem; margin: 0 auto; padding: 0.75rem 1rem; }
header { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; justify-content: space-between; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.2rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 0.5rem; }
p, li { overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.9em; }
.ok { color: var(--ok); } .failing, .open, .deny, .block { color: var(--bad); } .unknown, .half-open, .mask { color: var(--warn); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { font-weight: 600; font-size: 0.9em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.problems li { color: var(--bad); } .warnings li { color: var(--warn); }
form.inline { display: inline; margin: 0; }
button { font: inherit; padding: 0.35rem 0.9rem; border-radius: 0.4rem; border: 1px solid var(--line); background: transparent; color: inherit; cursor: pointer; }
.login { max-width: 24rem; margin: 12vh auto; padding: 1.5rem; border: 1px solid var(--line); border-radius: 0.6rem; }
.login label { display: block; margin-bottom: 0.4rem; }
.login input { width: 100%; font: inherit; padding: 0.45rem 0.6rem; margin-bottom: 0.9rem; border: 1px solid var(--line); border-radius: 0.4rem; }
.error { color: var(--bad); }
@media (max-width: 40rem) {
  table, thead, tbody, tr, th, td { display: block; }
  thead { display: none; }
  tr { border: 1px solid var(--line); border-radius: 0.5rem; margin-bottom: 0.6rem; padding: 0.3rem 0.5rem; }
  td { border: 0; padding: 0.15rem 0; display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.5rem; }
  td.num { text-align: left; }
  td::before { content: attr(data-label); color: var(--muted); font-size: 0.9em; }
  dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 0.3rem; }
}
`;

let cachedSource: Promise<string> | undefined;

/** The CSP source that allows exactly ADMIN_CSS, hashed once per isolate. */
export function adminStyleSource(): Promise<string> {
  cachedSource ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(ADMIN_CSS)).then((digest) => {
    const base64 = btoa(String.fromCharCode(...new Uint8Array(digest)));
    return `'sha256-${base64}'`;
  });
  return cachedSource;
}
