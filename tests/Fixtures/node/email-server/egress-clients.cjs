// SYNTHETIC TEST FIXTURE (McpGuard): exercises Node's HTTP clients from inside the sandbox; talks only to 127.0.0.1
// (every name below is mapped to a loopback port by the test's proxy).
// Usage: node egress-clients.cjs CLIENT... where CLIENT is fetch | fetch-gzip | https | axios | http | direct | direct-ip:PORT
// Prints one JSON line per client: {"client", "ok", "status", "body"} or {"client", "ok": false, "error"}.
const https = require('node:https');
const http = require('node:http');
const net = require('node:net');

const httpsUrl = 'https://api.example.test/check';
const httpUrl = 'http://plain.example.test/check';

function collect(res, resolve) {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => { body += chunk; });
  res.on('end', () => resolve({ status: res.statusCode, body }));
}

const clients = {
  async fetch() {
    const res = await fetch(httpsUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-client': 'fetch' }, body: '{"hello":"fetch"}' });
    return { status: res.status, body: await res.text() };
  },
  async 'fetch-gzip'() {
    const res = await fetch('https://api.example.test/gzip', { headers: { 'x-client': 'fetch-gzip' } });
    return { status: res.status, body: JSON.stringify(await res.json()) };
  },
  https() {
    return new Promise((resolve, reject) => {
      const req = https.request(httpsUrl, { method: 'GET', headers: { 'x-client': 'https' } }, (res) => collect(res, resolve));
      req.on('error', reject);
      req.end();
    });
  },
  http() {
    return new Promise((resolve, reject) => {
      http.get(httpUrl, { headers: { 'x-client': 'http' } }, (res) => collect(res, resolve)).on('error', reject);
    });
  },
  async axios() {
    const axios = require('axios');
    const res = await axios.post(httpsUrl, { hello: 'axios' }, { headers: { 'x-client': 'axios' }, responseType: 'text', transformResponse: (x) => x });
    return { status: res.status, body: res.data };
  },
  direct() {
    // A client that ignores the proxy: must fail (no DNS, no route).
    return new Promise((resolve, reject) => {
      const socket = net.connect(443, 'api.example.test', () => { socket.destroy(); resolve({ status: 0, body: 'connected' }); });
      socket.on('error', reject);
    });
  },
};

async function main() {
  for (const name of process.argv.slice(2)) {
    let run = clients[name];
    if (name.startsWith('direct-ip:')) {
      const port = Number(name.slice('direct-ip:'.length));
      run = () => new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve({ status: 0, body: 'connected' }); });
        socket.on('error', reject);
      });
    }
    try {
      const { status, body } = await run();
      console.log(JSON.stringify({ client: name, ok: true, status, body }));
    } catch (err) {
      console.log(JSON.stringify({ client: name, ok: false, error: `${err.code || ''} ${err.message}`.trim() }));
    }
  }
}

main();
