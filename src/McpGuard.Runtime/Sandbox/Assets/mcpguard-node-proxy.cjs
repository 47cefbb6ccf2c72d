'use strict';
// McpGuard sandbox preload, loaded with NODE_OPTIONS=--require. Node 20's fetch and the http/https global agents
// ignore HTTP(S)_PROXY (NODE_USE_ENV_PROXY exists only from Node 22.21/24), and inside the sandbox the only way
// out is the proxy relay on 127.0.0.1, so this routes them through it:
//   - https.globalAgent tunnels through the proxy with CONNECT (TLS stays end to end with the proxy's CA);
//   - http.request/http.get on the global agent send absolute-form requests to the proxy;
//   - globalThis.fetch is replaced by a small WHATWG-compatible fetch built on those two.
// Libraries that bring their own proxy support (axios) keep using it: the proxy host is in NO_PROXY.
// Anything that still tries to connect directly fails (no route, no DNS); when MCPGUARD_SANDBOX=1 that failure is
// announced on stderr with a recognisable "mcpguard-sandbox:" line so the cause is obvious in the server's log.

const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const tls = require('node:tls');
const zlib = require('node:zlib');
const { Readable } = require('node:stream');
const { urlToHttpOptions } = require('node:url');

const MARKER = 'mcpguard-sandbox:';
const proxyText =
  process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy || '';

if (!globalThis.__mcpguardNodeProxy) {
  Object.defineProperty(globalThis, '__mcpguardNodeProxy', { value: true, enumerable: false });
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

  class TunnelAgent extends https.Agent {
    createConnection(options, callback) {
      const host = options.host || options.hostname || 'localhost';
      const port = Number(options.port || 443);
      if (bypass(host)) {
        return super.createConnection(options, callback);
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
  }

  const tunnelAgent = new TunnelAgent({ keepAlive: true });
  https.globalAgent = tunnelAgent;

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
    const module = url.protocol === 'https:' ? https : http;
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
      const decoder = encoding === 'br' ? zlib.createBrotliDecompress() : encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
      stream = res.pipe(decoder);
      res.once('error', (err) => decoder.destroy(err));
    }
    const response = new Response(nullBody ? null : Readable.toWeb(stream), {
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
  const sharedContext = () => {
    if (!shared) {
      shared = tls.createSecureContext({ ca: [...tls.rootCertificates, require('node:fs').readFileSync(file, 'utf8')] });
    }
    return shared;
  };
  const originalConnect = tls.connect;
  tls.connect = function mcpguardTlsConnect(...args) {
    const index = args.findIndex((a) => a !== null && typeof a === 'object');
    if (index >= 0 && !contextKeys.some((k) => args[index][k] !== undefined)) {
      args[index] = { ...args[index], secureContext: sharedContext() };
    } else if (index < 0) {
      // tls.connect(port[, host][, callback]): the options object goes before the callback.
      const at = typeof args[args.length - 1] === 'function' ? args.length - 1 : args.length;
      args.splice(at, 0, { secureContext: sharedContext() });
    }
    return originalConnect.apply(this, args);
  };
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
