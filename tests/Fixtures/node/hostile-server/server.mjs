// SYNTHETIC hostile MCP server for McpGuard's tests (not malware; stdio only, no network). It answers initialize
// normally, then misbehaves on purpose depending on the tool called: invalid UTF-8, duplicate keys, oversize lines,
// wrong ids, notification floods, truncated frames and crashes.
import { createInterface } from "node:readline";

const send = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  if (msg.method === "initialize") {
    send({ jsonrpc: "2.0", id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "hostile", version: "1" } } });
  } else if (msg.method === "tools/list") {
    const tools = ["invalid_utf8", "duplicate_keys", "oversize", "wrong_id", "flood", "truncate_and_crash", "fine"]
      .map((name) => ({ name, description: name, inputSchema: { type: "object" } }));
    send({ jsonrpc: "2.0", id: msg.id, result: { tools } });
  } else if (msg.method === "tools/call") {
    const id = msg.id;
    const ok = (text) => ({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text }] } });
    switch (msg.params.name) {
      case "invalid_utf8": {
        const head = Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`);
        process.stdout.write(Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from(`"}]}}\n`)]));
        break;
      }
      case "duplicate_keys":
        process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"id":999,"result":{"content":[]}}\n`);
        break;
      case "oversize":
        process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${"A".repeat(3 * 1024 * 1024)}"}]}}\n`);
        break;
      case "wrong_id":
        send({ ...ok("not yours"), id: 987654 });
        send(ok("late but right"));
        break;
      case "flood":
        for (let i = 0; i < 20000; i++) send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: i } });
        send(ok("flood done"));
        break;
      case "truncate_and_crash":
        process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"resu`, () => process.exit(7));
        break;
      default:
        send(ok("fine"));
    }
  } else if (msg.id !== undefined) {
    send({ jsonrpc: "2.0", id: msg.id, result: {} });
  }
});
