// A deterministic catalog of realistic tools (names, descriptions, input schemas) for the
// benchmark's upstreams: what a SaaS MCP server lists. Definitions only; serving is server.ts's job.
import { z } from "zod";

/** One tool as McpServer.registerTool takes it: a zod shape, built once and shared by every session. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodRawShape;
}

const RESOURCES = [
  "issue",
  "pull_request",
  "repository",
  "branch",
  "commit",
  "release",
  "workflow_run",
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
  "calendar_event",
  "message",
  "channel",
] as const;

type Verb = (resource: string) => Omit<ToolSpec, "name">;

const id = (resource: string) => z.string().min(1).describe(`The ${resource}'s unique identifier.`);
const human = (resource: string) => resource.replaceAll("_", " ");

const VERBS: Record<string, Verb> = {
  get: (r) => ({
    title: `Get ${human(r)}`,
    description: `Fetches one ${human(r)} by id, with its metadata, owner and most recent activity. Fails with not_found when the id is unknown or not visible to the caller.`,
    inputSchema: {
      id: id(r),
      include: z
        .array(z.enum(["comments", "history", "attachments", "links"]))
        .optional()
        .describe("Related records to embed in the answer."),
    },
  }),
  list: (r) => ({
    title: `List ${human(r)}s`,
    description: `Lists ${human(r)}s matching the filters, newest first. Results are paginated: pass the returned cursor to get the next page. Use search_${r} for free-text queries.`,
    inputSchema: {
      state: z.enum(["open", "closed", "all"]).default("open").describe("Which records to include."),
      owner: z.string().optional().describe("Only records owned by this user or team handle."),
      labels: z.array(z.string()).max(20).optional().describe("Only records carrying every one of these labels."),
      updatedSince: z.iso.datetime().optional().describe("Only records updated at or after this instant (ISO 8601)."),
      limit: z.number().int().min(1).max(100).default(25).describe("Page size."),
      cursor: z.string().optional().describe("Cursor from a previous page."),
    },
  }),
  create: (r) => ({
    title: `Create ${human(r)}`,
    description: `Creates a ${human(r)}. The caller becomes its owner unless assignees are given. Returns the new record's id and URL. Not idempotent: retrying may create duplicates unless idempotencyKey is set.`,
    inputSchema: {
      title: z
        .string()
        .min(1)
        .max(256)
        .describe(`A short, human-readable title for the ${human(r)}.`),
      body: z.string().max(65536).optional().describe("Markdown body."),
      assignees: z.array(z.string()).max(10).optional().describe("User handles to assign."),
      labels: z.array(z.string()).max(20).optional().describe("Labels to apply."),
      priority: z.enum(["low", "medium", "high", "urgent"]).default("medium").describe("Triage priority."),
      dueDate: z.iso.date().optional().describe("Due date (YYYY-MM-DD)."),
      idempotencyKey: z.uuid().optional().describe("Makes retries safe: the same key never creates twice."),
    },
  }),
  update: (r) => ({
    title: `Update ${human(r)}`,
    description: `Changes fields of an existing ${human(r)}. Fields left out are not changed; null clears a field. Fails with conflict when expectedVersion is given and the record changed since.`,
    inputSchema: {
      id: id(r),
      title: z.string().min(1).max(256).optional(),
      body: z.string().max(65536).nullable().optional(),
      state: z.enum(["open", "closed"]).optional(),
      assignees: z.array(z.string()).max(10).optional(),
      expectedVersion: z.number().int().nonnegative().optional().describe("Optimistic-concurrency guard."),
    },
  }),
  search: (r) => ({
    title: `Search ${human(r)}s`,
    description: `Full-text search over ${human(r)}s, ranked by relevance. Supports quoted phrases, field:value qualifiers and negation with a leading minus.`,
    inputSchema: {
      query: z.string().min(1).max(1024).describe("The search query."),
      fields: z
        .array(z.enum(["title", "body", "comments"]))
        .optional()
        .describe("Where to search; all when unset."),
      sort: z.enum(["relevance", "created", "updated"]).default("relevance"),
      limit: z.number().int().min(1).max(50).default(10),
    },
  }),
};

/** `count` tools: verbs × resources, in a fixed order, so every run lists the same catalog. */
export function realisticTools(count: number): ToolSpec[] {
  const tools: ToolSpec[] = [];
  const verbs = Object.entries(VERBS);
  for (let i = 0; tools.length < count; i++) {
    const [verb, make] = verbs[i % verbs.length]!;
    const resource = RESOURCES[Math.floor(i / verbs.length) % RESOURCES.length]!;
    const round = Math.floor(i / (verbs.length * RESOURCES.length));
    const name = round === 0 ? `${verb}_${resource}` : `${verb}_${resource}_v${round + 1}`;
    tools.push({ name, ...make(resource) });
  }
  return tools;
}

/** Products whose tools make up the large search catalog: [tool-name prefix, name in descriptions]. */
const PRODUCTS: ReadonlyArray<readonly [string, string]> = [
  ["github", "GitHub"],
  ["gitlab", "GitLab"],
  ["bitbucket", "Bitbucket"],
  ["jira", "Jira"],
  ["linear", "Linear"],
  ["asana", "Asana"],
  ["trello", "Trello"],
  ["notion", "Notion"],
  ["confluence", "Confluence"],
  ["slack", "Slack"],
  ["teams", "Microsoft Teams"],
  ["discord", "Discord"],
  ["zoom", "Zoom"],
  ["google_calendar", "Google Calendar"],
  ["outlook", "Outlook"],
  ["gmail", "Gmail"],
  ["salesforce", "Salesforce"],
  ["hubspot", "HubSpot"],
  ["zendesk", "Zendesk"],
  ["intercom", "Intercom"],
  ["freshdesk", "Freshdesk"],
  ["stripe", "Stripe"],
  ["paypal", "PayPal"],
  ["quickbooks", "QuickBooks"],
  ["xero", "Xero"],
  ["shopify", "Shopify"],
  ["datadog", "Datadog"],
  ["pagerduty", "PagerDuty"],
  ["opsgenie", "Opsgenie"],
  ["sentry", "Sentry"],
  ["grafana", "Grafana"],
  ["newrelic", "New Relic"],
  ["splunk", "Splunk"],
  ["aws", "AWS"],
  ["gcp", "Google Cloud"],
  ["azure", "Azure"],
  ["cloudflare", "Cloudflare"],
  ["vercel", "Vercel"],
  ["netlify", "Netlify"],
  ["heroku", "Heroku"],
  ["docker_hub", "Docker Hub"],
  ["kubernetes", "Kubernetes"],
  ["terraform", "Terraform Cloud"],
  ["circleci", "CircleCI"],
  ["jenkins", "Jenkins"],
  ["figma", "Figma"],
  ["dropbox", "Dropbox"],
  ["box", "Box"],
  ["airtable", "Airtable"],
  ["monday", "monday.com"],
];

/** Product name prefixes of the search catalog, in order (for policies over parts of it). */
export const CATALOG_PRODUCTS: readonly string[] = PRODUCTS.map(([prefix]) => prefix);

/**
 * `count` tools for the search benchmark: what fifty SaaS products' MCP servers would list
 * together (100 each: the verbs × resources above, named `<product>_<verb>_<resource>`,
 * with the product in the title and description), in a fixed order. Beyond 5,000 the
 * names repeat with a `_v<n>` suffix.
 */
export function catalogTools(count: number): ToolSpec[] {
  const tools: ToolSpec[] = [];
  const perProduct = realisticTools(Object.keys(VERBS).length * RESOURCES.length);
  for (let i = 0; tools.length < count; i++) {
    const [prefix, product] = PRODUCTS[Math.floor(i / perProduct.length) % PRODUCTS.length]!;
    const base = perProduct[i % perProduct.length]!;
    const round = Math.floor(i / (perProduct.length * PRODUCTS.length));
    tools.push({
      name: `${prefix}_${base.name}${round === 0 ? "" : `_v${round + 1}`}`,
      title: `${base.title} (${product})`,
      description: `${product}: ${base.description}`,
      inputSchema: base.inputSchema,
    });
  }
  return tools;
}
