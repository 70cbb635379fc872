// What the search benchmark asks search_tools: tasks written as a user would write them,
// over the products of the generated catalog (upstream/tools.ts), and a generator of many
// different ones for the memory phase. Deterministic, so every run asks the same.

/** Tasks in a user's words, asked in turn during the warm search phase. */
export const SEARCH_TASKS: readonly string[] = [
  "open a jira ticket for the login bug",
  "find pull requests waiting for review on github",
  "which incidents are still open in pagerduty",
  "send a message to the deploy channel in slack",
  "refund the last invoice in stripe",
  "list hubspot customers updated this week",
  "schedule a meeting tomorrow on google calendar",
  "search confluence pages about onboarding",
  "close the sentry alert for the checkout error",
  "show the latest workflow runs in circleci",
  "create a release on gitlab",
  "raise the priority of a zendesk ticket to urgent",
  "which datadog dashboards mention latency",
  "get an invoice from quickbooks by its id",
  "list the branches of a repository",
  "search notion documents for the roadmap",
  "create a deployment on vercel",
  "list stripe subscriptions that renew this month",
  "post a message in a microsoft teams channel",
  "find the commit that changed the build config",
  "update the title of a linear issue",
  "add a comment to an asana task",
  "archive an old trello card",
  "look up a customer in salesforce",
  "list open alerts in opsgenie",
  "create an incident in pagerduty for the outage",
  "search grafana dashboards",
  "get a kubernetes deployment status",
  "list recent releases on bitbucket",
  "find emails from a customer in gmail",
  "create a calendar event in outlook",
  "search intercom conversations about billing",
  "list shopify orders from today",
  "get a document from dropbox",
  "find figma pages for the new design",
  "update an airtable record",
  "list new relic alerts for the api",
  "search splunk for error messages",
  "create a freshdesk ticket for a refund request",
  "list paypal invoices that are still open",
];

const ACTIONS = [
  "find",
  "list",
  "create",
  "update",
  "get",
  "search",
  "open",
  "close",
  "show",
  "delete",
  "add",
  "check",
];
const THINGS = [
  "issue",
  "bug report",
  "pull request",
  "repository",
  "branch",
  "commit",
  "release",
  "workflow run",
  "deployment",
  "incident",
  "alert",
  "dashboard",
  "ticket",
  "customer",
  "invoice",
  "subscription",
  "document",
  "page",
  "meeting",
  "message",
  "channel",
  "order",
  "payment",
  "build",
];
const PRODUCTS = [
  "github",
  "jira",
  "slack",
  "stripe",
  "notion",
  "pagerduty",
  "datadog",
  "zendesk",
  "hubspot",
  "salesforce",
  "linear",
  "gitlab",
  "sentry",
  "vercel",
  "gmail",
  "outlook",
  "asana",
  "confluence",
];
const DETAILS = [
  "from last week",
  "assigned to me",
  "for the payments team",
  "about the outage",
  "with high priority",
  "created today",
  "for customer acme",
  "that failed",
  "in the staging project",
  "mentioning latency",
  "before friday",
  "by its id",
];

/** `count` different tasks (a fixed pseudo-random walk over the word lists), from `seed`. */
export function variedTasks(count: number, seed: number): string[] {
  let state = seed >>> 0 || 1;
  const pick = <T>(list: readonly T[]): T => {
    // xorshift32: deterministic, no dependency.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return list[(state >>> 0) % list.length]!;
  };
  const tasks = new Set<string>();
  while (tasks.size < count) tasks.add(`${pick(ACTIONS)} ${pick(THINGS)} in ${pick(PRODUCTS)} ${pick(DETAILS)}`);
  return [...tasks];
}
