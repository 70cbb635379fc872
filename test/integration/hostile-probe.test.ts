import { it } from "vitest";
import { GatewayClient, gatewayFetch, postMcp, SseReader } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { postRaw, postModern } from "./support/hostile.js";

async function show(label: string, r: Promise<Response>) {
  const res = await r;
  const t = await res.text();
  console.warn(`PROBE ${label} => ${res.status} ${res.headers.get("content-type")} ${t.slice(0, 400)}`);
}

it("probe", async () => {
  const tenant = FixtureTenant.create("probe");
  const other = FixtureTenant.create("other");
  await tenant.configure({ tools: ["echo", "ask", "__proto__", "constructor", "toString", "../../etc/passwd"] });
  await seedConfig({
    servers: { fx: { url: tenant.url, headers: JSON.parse('{"__proto__":"x","constructor":"c","X-Ok":"1"}') }, fy: { url: other.url }, constructor: { url: other.url } },
    agents: { tester: { allow: { servers: ["*"] }, deny: { resources: { fx: [`fixture://${tenant.name}/secret/**`] } } } },
    virtualServers: { coder: JSON.parse('{"servers":["*"],"agents":["*"],"overrides":{"__proto__":{"name":"x"}}}') },
  });
  const c = await GatewayClient.connect();
  console.warn("PROBE tools", JSON.stringify(await c.toolNames()));
  await show("meta-proto", c.post(JSON.parse('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"fx__echo","arguments":{"text":"a"},"_meta":{"__proto__":{"polluted":1},"constructor":{"x":1}}}}')));
  await show("modern-meta-proto", postModern("tools/call", JSON.parse('{"name":"fx__echo","arguments":{"text":"b"},"_meta":{"__proto__":{"polluted":1},"constructor":{"x":1}}}')));
  await show("params-proto", c.post(JSON.parse('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{"text":"c"},"__proto__":{"name":"fx__echo"}}}')));
  await show("call-proto", c.post({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "fx____proto__" } }));
  await show("call-ctor", c.post({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "fx__constructor" } }));
  await show("call-passwd", c.post({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "fx__../../etc/passwd" } }));
  await show("call-ctor-server", c.post({ jsonrpc: "2.0", id: 10, method: "tools/call", params: { name: "constructor__echo", arguments: { text: "ctor" } } }));
  await show("read-traverse", c.post({ jsonrpc: "2.0", id: 11, method: "resources/read", params: { uri: `fixture://${tenant.name}/public/../secret/x` } }));
  await show("read-secret", c.post({ jsonrpc: "2.0", id: 12, method: "resources/read", params: { uri: `fixture://${tenant.name}/secret/x` } }));
  await show("read-traverse-other", c.post({ jsonrpc: "2.0", id: 13, method: "resources/read", params: { uri: `fixture://${tenant.name}/../${other.name}/readme` } }));
  await show("vs-coder", postMcp({ jsonrpc: "2.0", id: 1, method: "ping" }, {}, "/mcp/coder"));
  const cap = await GatewayClient.open({ capabilities: JSON.parse('{"__proto__":{"elicitation":{}}}') });
  await show("ask-proto-cap", cap.post({ jsonrpc: "2.0", id: 14, method: "tools/call", params: { name: "fx__ask" } }));
  await show("modern-ask-proto-cap", postModern("tools/call", { name: "fx__ask", _meta: { "io.modelcontextprotocol/clientCapabilities": JSON.parse('{"__proto__":{"elicitation":{}}}') } }));
  const g = await gatewayFetch("/mcp", { headers: { ...c.headers, accept: "text/event-stream", "last-event-id": "../../x" } });
  console.warn("PROBE get", g.status, g.headers.get("content-type"));
  const reader = new SseReader(g);
  console.warn("PROBE get ev", JSON.stringify(await reader.next(2000)));
  await reader.cancel();
  await show("del-dup", gatewayFetch("/mcp", { method: "DELETE", headers: [["mcp-session-id", c.sessionId], ["mcp-session-id", c.sessionId]] }));
  await show("after-del", c.post({ jsonrpc: "2.0", id: 15, method: "ping" }));
  const stats = await tenant.stats();
  console.warn("PROBE stats", JSON.stringify(stats.requests.filter((r) => r.method === "tools/call" || r.method === "resources/read" || r.method === "initialize").map((r) => [r.method, r.params, r.headers["x-ok"], r.headers["constructor"]])));
});
