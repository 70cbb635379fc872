// The platform floor: a Worker that does nothing but forward each request to an upstream, so
// the benchmark can tell what workerd itself costs from what the gateway adds. It does not
// parse, check or rewrite anything.
//   /direct/<upstream>  Worker → upstream
//   /do/<upstream>      Worker → Durable Object (one per Mcp-Session-Id, as the gateway keeps
//                       one per session) → upstream: what a Durable Object hop costs.
import { DurableObject } from "cloudflare:workers";

export interface FloorEnv {
  /** Upstream name → its MCP endpoint URL. */
  UPSTREAMS: Record<string, string>;
  HOP: DurableObjectNamespace<Hop>;
}

export class Hop extends DurableObject<FloorEnv> {
  override fetch(request: Request): Promise<Response> {
    return forward(request, this.env);
  }
}

export default {
  fetch(request, env) {
    const [, mode] = new URL(request.url).pathname.split("/");
    if (mode !== "do") return forward(request, env);
    const hop = env.HOP.get(env.HOP.idFromName(request.headers.get("mcp-session-id") ?? "sessionless"));
    return hop.fetch(request);
  },
} satisfies ExportedHandler<FloorEnv>;

function forward(request: Request, env: FloorEnv): Promise<Response> {
  const [, , upstream = ""] = new URL(request.url).pathname.split("/");
  const target = Object.hasOwn(env.UPSTREAMS, upstream) ? env.UPSTREAMS[upstream] : undefined;
  if (target === undefined) return Promise.resolve(new Response("unknown upstream", { status: 404 }));
  return fetch(new Request(target, request));
}
