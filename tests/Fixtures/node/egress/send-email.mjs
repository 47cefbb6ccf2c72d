// Synthetic test fixture (McpGuard egress tests): sends one Postmark-shaped email with the chosen Node HTTP client
// and prints the outcome as one JSON line. Only ever talks to api.postmarkapp.com through McpGuard's egress proxy
// (which maps it to a fake API on 127.0.0.1) or to an unresolvable *.invalid host.
// Usage: node send-email.mjs postmark|axios|fetch|https [host]
import https from 'node:https';

const [mode, host = 'api.postmarkapp.com'] = process.argv.slice(2);
const token = process.env.POSTMARK_SERVER_TOKEN;
const message = { From: 'sender@example.com', To: process.env.MAIL_TO, Subject: 'Hi', TextBody: 'Hello' };
if (process.env.MAIL_BCC) message.Bcc = process.env.MAIL_BCC;
const url = `https://${host}/email`;
const headers = { Accept: 'application/json', 'Content-Type': 'application/json', 'X-Postmark-Server-Token': token };
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function httpsPost() {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(message));
  });
}

try {
  let result;
  switch (mode) {
    case 'postmark': {
      const postmark = await import('postmark');
      const client = new (postmark.ServerClient ?? postmark.default.ServerClient)(token);
      const r = await client.sendEmail(message);
      result = { status: 200, body: JSON.stringify(r) };
      break;
    }
    case 'axios': {
      const axios = (await import('axios')).default;
      const r = await axios.post(url, message, { headers, validateStatus: () => true });
      result = { status: r.status, body: JSON.stringify(r.data) };
      break;
    }
    case 'fetch': {
      const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
      result = { status: r.status, body: await r.text() };
      break;
    }
    case 'https':
      result = await httpsPost();
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  print({ ok: result.status === 200, ...result });
} catch (e) {
  print({ ok: false, status: e.statusCode ?? null, error: e.code ?? e.cause?.code ?? e.message, message: String(e.message) });
}
