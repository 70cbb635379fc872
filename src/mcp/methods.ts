// The one registry of MCP methods the gateway knows: which protocol revisions offer each,
// what kind of work it is, and the facts the rest of the code derives its behaviour from
// (retried or not, cache hints, the params field the Mcp-Name header mirrors, the list it
// reads, the capability an upstream's question needs). Pure data and lookups; what the
// gateway does with a method is the gateway's business (gateway/router.ts).
import { LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS, type Era } from "./versions.js";

export type ListKind = "tools" | "prompts" | "resources" | "resourceTemplates";
/** What policy decides over: tools and prompts by name, resources (and templates) by URI. */
export type SubjectKind = "tools" | "prompts" | "resources";

const LEGACY: readonly string[] = LEGACY_PROTOCOL_VERSIONS;
const MODERN: readonly string[] = MODERN_PROTOCOL_VERSIONS;
const EVERY: readonly string[] = [...MODERN, ...LEGACY];

/**
 * What a client request is, for the gateway:
 * - `lifecycle`: starts a legacy session (initialize);
 * - `ping`: answered by the gateway itself;
 * - `list`: a merged list of what the principal may see;
 * - `call`: routed to the one upstream that holds its subject;
 * - `fan-out`: sent to every visible upstream that takes it (logging/setLevel);
 * - `discover`, `listen`: the current era's description and notification stream.
 */
export type MethodKind = "lifecycle" | "ping" | "list" | "call" | "fan-out" | "discover" | "listen";

export interface ClientMethod {
  /** Protocol revisions whose clients may send it. */
  revisions: readonly string[];
  kind: MethodKind;
  /** For lists: which one. */
  list?: ListKind;
  /** For calls: what policy decides over, and which params field names it. */
  subject?: SubjectKind;
  /** The params field that names what the request is about, mirrored by the Mcp-Name header. */
  nameSource?: "name" | "uri";
  /** Safe to send again after a transient upstream fault. */
  idempotent: boolean;
  /** Current-era results carry `ttlMs` and `cacheScope`. */
  cacheable: boolean;
  /** A legacy session's request of this kind may be answered in the Worker on borrowed upstream sessions. */
  answeredInWorker: boolean;
}

const method = (revisions: readonly string[], kind: MethodKind, facts: Partial<ClientMethod> = {}): ClientMethod => ({
  revisions,
  kind,
  idempotent: false,
  cacheable: false,
  answeredInWorker: false,
  ...facts,
});
const list = (kind: ListKind) =>
  method(EVERY, "list", { list: kind, idempotent: true, cacheable: true, answeredInWorker: true });

const CLIENT_METHODS: Readonly<Record<string, ClientMethod>> = {
  initialize: method(LEGACY, "lifecycle"),
  // The 2026-07-28 revision removed ping (with initialize, logging/setLevel and subscriptions).
  ping: method(LEGACY, "ping", { idempotent: true }),
  "tools/list": list("tools"),
  "prompts/list": list("prompts"),
  "resources/list": list("resources"),
  "resources/templates/list": list("resourceTemplates"),
  "tools/call": method(EVERY, "call", { subject: "tools", nameSource: "name", answeredInWorker: true }),
  "prompts/get": method(EVERY, "call", { subject: "prompts", nameSource: "name", idempotent: true }),
  "resources/read": method(EVERY, "call", {
    subject: "resources",
    nameSource: "uri",
    idempotent: true,
    cacheable: true,
  }),
  "resources/subscribe": method(LEGACY, "call", { subject: "resources" }),
  "resources/unsubscribe": method(LEGACY, "call", { subject: "resources" }),
  "completion/complete": method(EVERY, "call"),
  "logging/setLevel": method(LEGACY, "fan-out"),
  // 2025-11-25 tasks, for the tasks of task-augmented tools/call.
  "tasks/get": method(LEGACY, "call", { subject: "tools", idempotent: true }),
  "tasks/list": method(LEGACY, "fan-out", { idempotent: true }),
  "tasks/result": method(LEGACY, "call", { subject: "tools" }),
  "tasks/cancel": method(LEGACY, "call", { subject: "tools" }),
  "server/discover": method(MODERN, "discover", { cacheable: true }),
  "subscriptions/listen": method(MODERN, "listen"),
};

/** The registry entry of a client method; undefined for anything the gateway does not know. */
export function clientMethod(name: string): ClientMethod | undefined {
  return Object.hasOwn(CLIENT_METHODS, name) ? CLIENT_METHODS[name] : undefined;
}

/** Whether a client of this era may send this method. */
export function offeredIn(name: string, era: Era): boolean {
  const known = clientMethod(name);
  if (!known) return false;
  return known.revisions.some((revision) => (era === "modern" ? MODERN : LEGACY).includes(revision));
}

/** The lists the gateway merges: the method that reads each, its result field, the capability that offers it. */
export const LISTS: Readonly<
  Record<ListKind, { method: string; field: string; capability: string; changed: string; subject: SubjectKind }>
> = {
  tools: {
    method: "tools/list",
    field: "tools",
    capability: "tools",
    changed: "notifications/tools/list_changed",
    subject: "tools",
  },
  prompts: {
    method: "prompts/list",
    field: "prompts",
    capability: "prompts",
    changed: "notifications/prompts/list_changed",
    subject: "prompts",
  },
  resources: {
    method: "resources/list",
    field: "resources",
    capability: "resources",
    changed: "notifications/resources/list_changed",
    subject: "resources",
  },
  resourceTemplates: {
    method: "resources/templates/list",
    field: "resourceTemplates",
    capability: "resources",
    changed: "notifications/resources/list_changed",
    subject: "resources",
  },
};

/** The lists a `notifications/<x>/list_changed` from an upstream makes stale. */
export function listsChangedBy(notification: string): ListKind[] {
  return (Object.keys(LISTS) as ListKind[]).filter((kind) => LISTS[kind].changed === notification);
}

/** Requests an upstream may send its client, and the client capability each needs. */
export const SERVER_REQUESTS: Readonly<Record<string, string>> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/** The client capability an upstream's request needs; undefined for requests no client is asked. */
export function capabilityNeededFor(request: string): string | undefined {
  return Object.hasOwn(SERVER_REQUESTS, request) ? SERVER_REQUESTS[request] : undefined;
}
