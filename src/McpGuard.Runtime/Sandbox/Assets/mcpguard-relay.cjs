'use strict';
// McpGuard sandbox relay (fallback when socat is absent): listens on 127.0.0.1:PORT inside the sandbox's network
// namespace and forwards each connection to the egress proxy's Unix socket, bind-mounted into the sandbox.
// Usage: node mcpguard-relay.cjs PORT SOCKET_PATH
const net = require('node:net');

const [portText, socketPath] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !socketPath) {
  process.stderr.write('mcpguard-sandbox: relay usage: mcpguard-relay.cjs PORT SOCKET_PATH\n');
  process.exit(2);
}

const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.on('error', (err) => {
  process.stderr.write(`mcpguard-sandbox: relay failed: ${err.code || err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1');
