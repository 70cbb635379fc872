// Bindings wrangler.toml does not declare, so `wrangler types` cannot know them: the
// Analytics Engine dataset for metrics (configure it to turn metrics on) and the admin
// token secret that opens /status (`wrangler secret put ADMIN_TOKEN`), and the key session
// ids are signed with (`wrangler secret put SESSION_ID_KEY`; unset, the gateway makes one).
interface Env {
  METRICS?: AnalyticsEngineDataset;
  ADMIN_TOKEN?: string;
  SESSION_ID_KEY?: string;
}
declare namespace Cloudflare {
  interface Env {
    METRICS?: AnalyticsEngineDataset;
    ADMIN_TOKEN?: string;
    SESSION_ID_KEY?: string;
  }
}
