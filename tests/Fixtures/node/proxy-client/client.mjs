// TypeScript-SDK client for McpGuard's end-to-end tests: launches the command given after "--" (mcpguard run ...)
// over stdio, lists tools, calls the tools named by --call NAME=JSONARGS, and prints one JSON line with the outcome.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const opts = argv.slice(0, sep);
const [command, ...args] = argv.slice(sep + 1);
const calls = [];
for (let i = 0; i < opts.length; i++) {
  if (opts[i] === "--call") {
    const [name, json] = opts[++i].split(/=(.*)/s);
    calls.push({ name, args: json ? JSON.parse(json) : {} });
  }
}

const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
const client = new Client({ name: "mcpguard-e2e-ts", version: "1.0.0" });
const out = { tools: [], calls: [] };
try {
  await client.connect(transport);
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  for (const call of calls) {
    try {
      const result = await client.callTool({ name: call.name, arguments: call.args });
      out.calls.push({
        name: call.name,
        ok: true,
        text: (result.content ?? []).map((c) => c.text ?? "").join(""),
        resources: (result.content ?? []).filter((c) => c.resource).map((c) => c.resource.text ?? ""),
        structured: result.structuredContent,
      });
    } catch (e) {
      out.calls.push({ name: call.name, ok: false, code: e.code, error: String(e.message) });
    }
  }
} catch (e) {
  out.fatal = String(e?.message ?? e);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
