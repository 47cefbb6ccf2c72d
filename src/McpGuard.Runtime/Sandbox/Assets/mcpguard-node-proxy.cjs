'use strict';
// McpGuard sandbox preload, loaded with NODE_OPTIONS=--require. Node 20's fetch and the http/https global agents
// ignore HTTP(S)_PROXY (NODE_USE_ENV_PROXY exists only from Node 22.21/24), and inside the sandbox the only way
// out is the proxy relay on 127.0.0.1, so this routes them through it:
//   - the https global agent tunnels through the proxy with CONNECT (TLS stays end to end with the proxy's CA);
//   - http.request/http.get on the global agent send absolute-form requests to the proxy;
//   - globalThis.fetch is replaced by a small WHATWG-compatible fetch built on those two.
// Libraries that bring their own proxy support (axios) keep using it: the proxy host is in NO_PROXY.
// Anything that still tries to connect directly fails (no route, no DNS); when MCPGUARD_SANDBOX=1 that failure is
// announced on stderr with a recognisable "mcpguard-sandbox:" line so the cause is obvious in the server's log.
//
// Start-up cost matters (it is paid by every sandboxed Node process), so only `http` and `net` load here: `net` is
// loaded anyway by any server whose stdio is a pipe, `http` adds ~1 ms, and http.request/http.get must be patched
// before user code can take an ESM named import of them. `tls` (the heavy one, 2 ms idle and 10+ ms on a loaded
// machine), `https` and `zlib` load on first use: https is caught at its first request by the shared
// http.Agent.prototype.addRequest (every https.Agent inherits it; https.request reads https.globalAgent per call),
// tls by a require hook and by that same https hook.

const http = require('node:http');
const net = require('node:net');
const { urlToHttpOptions } = require('node:url');

const MARKER = 'mcpguard-sandbox:';
const proxyText =
  process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy || '';

// Hooks run when `tls` is first loaded (by us or by a CommonJS require); see loadTls.
const tlsHooks = [];
let tlsModule = null;
let tlsLoading = false;

if (!globalThis.__mcpguardNodeProxy) {
  Object.defineProperty(globalThis, '__mcpguardNodeProxy', { value: true, enumerable: false });
  if (process.env.MCPGUARD_RELAY_WAIT) {
    waitForRelay(process.env.MCPGUARD_RELAY_WAIT, process.env.MCPGUARD_RELAY_PID);
  }
  let proxy = null;
  try {
    proxy = proxyText ? new URL(proxyText) : null;
  } catch {
    process.stderr.write(`${MARKER} ignoring unparsable proxy URL in HTTP(S)_PROXY\n`);
  }
  if (process.env.MCPGUARD_NODE_EXTRA_CA) {
    trustExtraCaLazily(process.env.MCPGUARD_NODE_EXTRA_CA);
  }
  if (proxy && proxy.protocol === 'http:') {
    install(proxy);
  }
  if (process.env.MCPGUARD_SANDBOX === '1') {
    announceBlockedConnections(proxy);
  }
}

function loadTls() {
  if (!tlsModule) {
    // Our own require passes through the Module._load hook too: the flag stops it from recursing.
    tlsLoading = true;
    try {
      tlsModule = require('node:tls');
    } finally {
      tlsLoading = false;
    }
    for (const hook of tlsHooks) hook(tlsModule);
    if (tlsHooks.length > 0) {
      // ESM namespace imports taken before the patch see it too.
      require('node:module').syncBuiltinESMExports();
    }
  }
  return tlsModule;
}

function onTlsLoad(hook) {
  if (tlsModule) {
    hook(tlsModule);
    return;
  }
  if (tlsHooks.length === 0) {
    // A CommonJS require('tls'/'https') from user code patches tls before it can call tls.connect. ESM imports of
    // node:tls bypass Module._load; such code that connects before any https request gets no extra CA and its TLS
    // to the intercepting proxy fails verification (fails closed, nothing leaks).
    const Module = require('node:module');
    const originalLoad = Module._load;
    Module._load = function mcpguardLoad(request, ...rest) {
      const exports = originalLoad.call(this, request, ...rest);
      if (!tlsModule && !tlsLoading && (request === 'tls' || request === 'node:tls' || request === 'https' || request === 'node:https')) {
        loadTls();
      }
      return exports;
    };
  }
  tlsHooks.push(hook);
}

// The launcher starts the relay and this process in parallel; the relay binds in a few milliseconds while Node
// boots, so this usually finds it listening at once. Synchronous on purpose: no user code runs (and so nothing can
// try to reach the network) before the relay is up. Fail closed: without the relay the server must not run.
function waitForRelay(spec, relayPid) {
  const fs = require('node:fs');
  const [portText, timeoutText] = spec.split(' ');
  const listenLocal = '0100007F:' + Number(portText).toString(16).toUpperCase().padStart(4, '0');
  const deadline = Date.now() + Number(timeoutText || 5000);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const listening = () => {
    try {
      // /proc/net/tcp lists this namespace's sockets: local 127.0.0.1:PORT, remote 0, state 0A = LISTEN.
      return fs.readFileSync('/proc/net/tcp', 'latin1').split('\n').some((line) => {
        const f = line.trim().split(/\s+/);
        return f[1] === listenLocal && f[2] === '00000000:0000' && f[3] === '0A';
      });
    } catch {
      return false;
    }
  };
  const relayGone = () => {
    if (!relayPid) return false;
    try {
      // The relay is this process's child (the wrapper shell exec'd into us) and is never reaped: dead = zombie.
      const stat = fs.readFileSync(`/proc/${relayPid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return true;
    }
  };
  // 1 ms steps: socat binds a few ms after Node starts, and one check (a small /proc read) costs ~50 µs.
  while (!listening()) {
    if (relayGone() || Date.now() > deadline) {
      fs.writeSync(2, `${MARKER} the egress relay did not start; refusing to run the server without it (fail closed)\n`);
      process.exit(125);
    }
    Atomics.wait(sleeper, 0, 0, 1);
  }
  // Child Node processes inherit the environment; the relay is up now, so they need not look again.
  delete process.env.MCPGUARD_RELAY_WAIT;
  delete process.env.MCPGUARD_RELAY_PID;
}

function install(proxy) {
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = Number(proxy.port || 80);
  const noProxy = parseNoProxy(process.env.NO_PROXY || process.env.no_proxy || '');
  const originalHttpRequest = http.request;
  const originalFetch = globalThis.fetch;

  const bypass = (host) => {
    const h = String(host || '').toLowerCase().replace(/^\[|\]$/g, '');
    if (h === proxyHost) return true;
    return noProxy.some((entry) => entry === '*' || h === entry || (entry.startsWith('.') ? h.endsWith(entry) : h.endsWith('.' + entry)));
  };

  // Tunnels a connection of the https global agent through the proxy: replaces https.Agent's createConnection on
  // that agent instance, so the agent (its pool, keep-alive, TLS session cache) stays the one Node made.
  function tunnelCreateConnection(options, callback) {
    const host = options.host || options.hostname || 'localhost';
    const port = Number(options.port || 443);
    const tls = loadTls();
    if (bypass(host)) {
      return Object.getPrototypeOf(this).createConnection.call(this, options, callback);
    }
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const connect = originalHttpRequest({
      host: proxyHost,
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority },
      agent: false,
      setHost: false,
    });
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(proxyRefusal(authority, res));
        return;
      }
      const servername = options.servername || (net.isIP(host) ? undefined : host);
      callback(null, tls.connect({ ...options, socket, servername }));
    });
    connect.once('response', (res) => {
      // A CONNECT answered with a normal response means the proxy refused the tunnel.
      res.resume();
      callback(proxyRefusal(authority, res));
    });
    connect.once('error', (err) => callback(err));
    connect.end();
    return undefined;
  }

  // https loads on first use: every https request reaches http.Agent.prototype.addRequest (https.Agent inherits it)
  // with the agent https.request took from https.globalAgent at call time, so tunnelling the current global agent
  // here, before its first socket, covers https.request/get (ESM named imports too) and our fetch.
  let httpsModule = null;
  const tunnelledAgents = new WeakSet();
  const tunnelGlobalAgent = (https) => {
    const agent = https.globalAgent;
    // An agent with its own createConnection (a proxy agent the server set up) is left alone.
    if (agent && !tunnelledAgents.has(agent) && agent.createConnection === https.Agent.prototype.createConnection) {
      tunnelledAgents.add(agent);
      agent.createConnection = tunnelCreateConnection;
    }
  };
  const loadHttps = () => {
    if (!httpsModule) {
      httpsModule = require('node:https');
      loadTls();
    }
    tunnelGlobalAgent(httpsModule);
    return httpsModule;
  };
  const originalAddRequest = http.Agent.prototype.addRequest;
  http.Agent.prototype.addRequest = function mcpguardAddRequest(...args) {
    if (this.protocol === 'https:') {
      loadHttps();
    }
    return originalAddRequest.apply(this, args);
  };

  // Plain HTTP through a proxy is the absolute-form request line (RFC 9112 §3.2.2) sent to the proxy itself.
  http.request = function mcpguardHttpRequest(...args) {
    const { options, callback } = normalizeRequestArgs(args);
    const usesGlobalAgent = options.agent === undefined || options.agent === http.globalAgent;
    const host = options.hostname || options.host || 'localhost';
    if (!usesGlobalAgent || options.socketPath || options.createConnection || bypass(host)) {
      return originalHttpRequest.call(http, options, callback);
    }
    const port = Number(options.port || 80);
    const hostHeader = port === 80 ? host : `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const proxied = { ...options, host: proxyHost, hostname: proxyHost, port: proxyPort };
    proxied.path = `http://${hostHeader}${options.path || '/'}`;
    if (Array.isArray(options.headers)) {
      proxied.headers = options.headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === 'host')
        ? options.headers
        : [...options.headers, 'Host', hostHeader];
    } else {
      const headers = { ...(options.headers || {}) };
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.Host = hostHeader;
      proxied.headers = headers;
    }
    return originalHttpRequest.call(http, proxied, callback);
  };
  http.get = function mcpguardHttpGet(...args) {
    const req = http.request(...args);
    req.end();
    return req;
  };

  globalThis.fetch = function mcpguardFetch(input, init) {
    let request;
    try {
      request = new Request(input, init);
    } catch (err) {
      return Promise.reject(err);
    }
    const url = new URL(request.url);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || bypass(url.hostname)) {
      return originalFetch(input, init);
    }
    return proxiedFetch(request, url, 0);
  };

  async function proxiedFetch(request, url, redirects) {
    if (request.signal && request.signal.aborted) throw request.signal.reason;
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers = {};
    request.headers.forEach((value, key) => { headers[key] = value; });
    // The defaults Node's own fetch (undici) sends, so servers see the same request either way.
    if (headers.accept === undefined) headers.accept = '*/*';
    if (headers['user-agent'] === undefined) headers['user-agent'] = 'node';
    if (headers['accept-encoding'] === undefined) headers['accept-encoding'] = 'gzip, deflate';
    if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const module = url.protocol === 'https:' ? loadHttps() : http;
    const res = await new Promise((resolve, reject) => {
      const req = module.request(url, { method: request.method, headers, signal: request.signal }, resolve);
      req.once('error', (err) => reject(err && err.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err })));
      req.end(body);
    });
    const status = res.statusCode || 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && request.redirect !== 'manual') {
      res.resume();
      if (request.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error('redirect refused (redirect: "error")') });
      if (redirects >= 20) throw new TypeError('fetch failed', { cause: new Error('too many redirects') });
      const next = new URL(location, url);
      const switchToGet = status === 303 || ((status === 301 || status === 302) && request.method === 'POST');
      const nextRequest = new Request(next, {
        method: switchToGet ? 'GET' : request.method,
        headers: request.headers,
        body: switchToGet || body === undefined ? undefined : body,
        redirect: request.redirect,
        signal: request.signal,
      });
      const response = await proxiedFetch(nextRequest, next, redirects + 1);
      Object.defineProperty(response, 'redirected', { value: true });
      return response;
    }
    const responseHeaders = new Headers();
    for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
    const nullBody = request.method === 'HEAD' || [101, 204, 205, 304].includes(status);
    let stream = res;
    const encoding = String(res.headers['content-encoding'] || '').toLowerCase();
    if (!nullBody && (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate' || encoding === 'br')) {
      const zlib = require('node:zlib');
      const decoder = encoding === 'br' ? zlib.createBrotliDecompress() : encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
      stream = res.pipe(decoder);
      res.once('error', (err) => decoder.destroy(err));
    }
    const response = new Response(nullBody ? null : require('node:stream').Readable.toWeb(stream), {
      status,
      statusText: res.statusMessage || '',
      headers: responseHeaders,
    });
    if (nullBody) res.resume();
    Object.defineProperty(response, 'url', { value: url.href });
    return response;
  }
}

// Same trust as NODE_EXTRA_CA_CERTS (Node's bundled roots plus the extra CAs), but built on the first TLS connection
// instead of at every start-up: NODE_EXTRA_CA_CERTS makes Node 20 build its whole root store eagerly (~20 ms CPU).
// Only connections that bring no trust or context options of their own get the shared context.
function trustExtraCaLazily(file) {
  const contextKeys = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'ecdhCurve', 'minVersion', 'maxVersion',
    'secureProtocol', 'secureOptions', 'sigalgs', 'crl', 'dhparam', 'privateKeyEngine', 'privateKeyIdentifier', 'secureContext'];
  let shared = null;
  const sharedContext = (tls) => {
    if (!shared) {
      shared = tls.createSecureContext({ ca: [...tls.rootCertificates, require('node:fs').readFileSync(file, 'utf8')] });
    }
    return shared;
  };
  onTlsLoad((tls) => {
    const originalConnect = tls.connect;
    tls.connect = function mcpguardTlsConnect(...args) {
      const index = args.findIndex((a) => a !== null && typeof a === 'object');
      if (index >= 0 && !contextKeys.some((k) => args[index][k] !== undefined)) {
        args[index] = { ...args[index], secureContext: sharedContext(tls) };
      } else if (index < 0) {
        // tls.connect(port[, host][, callback]): the options object goes before the callback.
        const at = typeof args[args.length - 1] === 'function' ? args.length - 1 : args.length;
        args.splice(at, 0, { secureContext: sharedContext(tls) });
      }
      return originalConnect.apply(this, args);
    };
  });
}

function normalizeRequestArgs(args) {
  let [first, second, third] = args;
  let options;
  if (typeof first === 'string' || first instanceof URL) {
    options = urlToHttpOptions(new URL(first));
    if (typeof second === 'function') {
      third = second;
      second = undefined;
    }
    if (second) options = { ...options, ...second };
    return { options, callback: third };
  }
  return { options: { ...(first || {}) }, callback: second };
}

function parseNoProxy(text) {
  return text.split(/[\s,]+/).map((e) => e.trim().toLowerCase().replace(/:\d+$/, '')).filter(Boolean);
}

function proxyRefusal(authority, res) {
  const err = new Error(`${MARKER} the egress proxy refused ${authority}: HTTP ${res.statusCode} ${res.statusMessage || ''}`.trim());
  err.code = 'EMCPGUARD_PROXY_REFUSED';
  return err;
}

function announceBlockedConnections(proxy) {
  const blockedCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EADDRNOTAVAIL']);
  const proxyLabel = proxy ? `the HTTP(S) proxy at ${proxy.href}` : 'no proxy (egress is disabled for this server)';
  const seen = new Set();
  const originalEmit = net.Socket.prototype.emit;
  // Wrapping emit (instead of adding an 'error' listener) keeps Node's unhandled-error behaviour unchanged.
  net.Socket.prototype.emit = function mcpguardEmit(event, ...args) {
    if (event === 'error') {
      const err = args[0];
      if (err && blockedCodes.has(err.code)) {
        const target = err.hostname || (err.address ? `${err.address}:${err.port}` : 'unknown');
        const key = `${err.code} ${target}`;
        if (!seen.has(key) && seen.size < 100) {
          seen.add(key);
          process.stderr.write(
            `${MARKER} direct network access blocked (${err.code} ${target}): inside the McpGuard sandbox only ${proxyLabel} can reach the network\n`);
        }
      }
    }
    return originalEmit.call(this, event, ...args);
  };
}
