// Synthetic test fixture (McpGuard egress tests): makes Node 20's fetch and https module use HTTPS_PROXY.
// Node 20 ignores HTTP(S)_PROXY for both (NODE_USE_ENV_PROXY only exists from Node 22.21/24.5), so a sandboxed
// server using them cannot reach McpGuard's egress proxy without this preload: NODE_OPTIONS=--require <this file>.
'use strict';
const proxy = process.env.HTTPS_PROXY || process.env.https_proxy;
if (proxy) {
  // Node's built-in fetch reads the same global dispatcher slot as the undici package.
  const { setGlobalDispatcher, EnvHttpProxyAgent } = require('undici');
  setGlobalDispatcher(new EnvHttpProxyAgent());
  // https.request() without an explicit agent uses https.globalAgent, read at call time.
  const https = require('node:https');
  const { HttpsProxyAgent } = require('https-proxy-agent');
  https.globalAgent = new HttpsProxyAgent(proxy);
}
