// Bindings wrangler.toml does not declare, so `wrangler types` cannot know them: the
// Analytics Engine dataset for metrics (configure it to turn metrics on) and the admin
// token secret that opens /status (`wrangler secret put ADMIN_TOKEN`).
interface Env {
  METRICS?: AnalyticsEngineDataset;
  ADMIN_TOKEN?: string;
}
declare namespace Cloudflare {
  interface Env {
    METRICS?: AnalyticsEngineDataset;
    ADMIN_TOKEN?: string;
  }
}
