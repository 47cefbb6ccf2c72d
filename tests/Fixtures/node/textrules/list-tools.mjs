// Test fixture (McpGuard tool-description rules): starts a real MCP server over stdio with the official TypeScript SDK
// client, asks tools/list, and prints the result as JSON on stdout. Talks to nothing but the child process.
// Usage: node list-tools.mjs <command> [args...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
const client = new Client({ name: "mcpguard-list-tools", version: "1.0.0" });
await client.connect(transport);
const tools = [];
let cursor;
do {
  const page = await client.listTools(cursor ? { cursor } : {});
  tools.push(...page.tools);
  cursor = page.nextCursor;
} while (cursor);
process.stdout.write(JSON.stringify({ tools }) + "\n");
await client.close();
