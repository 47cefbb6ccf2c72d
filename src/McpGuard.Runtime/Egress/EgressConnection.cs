using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Rules;
using McpGuard.Runtime.Egress.Http;
using Microsoft.Extensions.Logging;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// One client connection: either absolute-form requests (kept alive) or one CONNECT tunnel whose TLS we terminate
/// and whose inner requests we read the same way. Every request goes through inspect → audit → forward.
/// </summary>
internal sealed partial class EgressConnection(EgressConnectionContext context, Socket socket)
{
    // Hop-by-hop and proxy headers never travel upstream; Host and framing are rebuilt by HttpClient.
    private static readonly HashSet<string> s_dropRequest = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect",
    };

    private static readonly HashSet<string> s_dropResponse = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
    };

    private EgressLimits Limits => context.Policy.Limits;

    public async Task RunAsync(CancellationToken stopping)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            // Small request/response exchanges: do not wait for Nagle (Unix sockets have no such option).
            socket.NoDelay = true;
        }

        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        var reader = new Http1Reader(pipe, Limits);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var head = await ReadHeadAsync(reader, stopping);
                if (head is null)
                {
                    return;
                }

                if (head.Method == "CONNECT")
                {
                    await TunnelAsync(head, reader, stream, stopping);
                    return;
                }

                if (!Uri.TryCreate(head.Target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
                {
                    throw new EgressProtocolException(400, "a proxy request needs an absolute http(s) URL or CONNECT");
                }

                if (!await HandleRequestAsync(uri.Scheme, uri.IdnHost, uri.Port, uri.PathAndQuery, head, reader, stream, stopping))
                {
                    return;
                }
            }
        }
        catch (EgressProtocolException ex)
        {
            await RefuseAsync(stream, ex.StatusCode, ex.Message, stopping);
        }
        catch (AuditWriteException)
        {
            await RefuseUnrecordedAsync(stream, stopping);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the proxy is stopping: nothing to answer.
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    private async Task TunnelAsync(HttpRequestHead connect, Http1Reader reader, Stream stream, CancellationToken stopping)
    {
        if (!Uri.TryCreate("https://" + connect.Target, UriKind.Absolute, out var authority) || authority.PathAndQuery != "/"
            || !connect.Target.Contains(':', StringComparison.Ordinal) || !string.IsNullOrEmpty(authority.UserInfo))
        {
            throw new EgressProtocolException(400, "CONNECT needs host:port");
        }

        var host = HostPattern.Normalize(authority.IdnHost);
        var port = authority.Port;
        if (!context.Inspector.IsHostAllowed(host))
        {
            await context.Audit.WriteRefusalAsync("CONNECT", host, port, EgressRules.HostNotAllowed, $"host {host} is not allowed for this server", stopping);
            await WriteBlockedAsync(stream, 403, EgressRules.HostNotAllowed, $"host {host} is not allowed", close: true, stopping);
            return;
        }

        if (reader.HasBufferedBytes())
        {
            // The client sent tunnel bytes before our answer; refusing keeps the two sides of the tunnel unambiguous.
            throw new EgressProtocolException(400, "data sent before the CONNECT was answered");
        }

        await stream.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), stopping);

        await using var tls = new SslStream(stream, leaveInnerStreamOpen: true);
        try
        {
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            handshakeTimeout.CancelAfter(Limits.RequestHeadTimeout);
            await tls.AuthenticateAsServerAsync(
                (_, hello, _, _) =>
                {
                    // SNI must name the CONNECT host, so one tunnel cannot be used for another host's traffic.
                    var sni = hello.ServerName;
                    if (string.IsNullOrEmpty(sni) ? !IPAddress.TryParse(host, out _) : HostPattern.Normalize(sni) != host)
                    {
                        throw new AuthenticationException($"SNI '{sni}' does not match CONNECT host '{host}'");
                    }

                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = context.Leaves.Get(host),
                        // HTTP/1.1 only: one parser to trust, no HTTP/2 framing to inspect.
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        ClientCertificateRequired = false,
                    });
                },
                null,
                handshakeTimeout.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            // Fail closed: a non-TLS (opaque) tunnel, a client that does not trust McpGuard's CA, or an SNI mismatch.
            var reason = $"TLS interception failed for {host}:{port} (non-TLS tunnel, SNI mismatch, or the client does not trust McpGuard's CA: check NODE_EXTRA_CA_CERTS): {ex.Message}";
            LogTunnelRefused(context.Logger, host, ex.Message);
            await context.Audit.WriteRefusalAsync("CONNECT", host, port, EgressRules.ProtocolViolation, reason, CancellationToken.None);
            return;
        }

        var inner = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        var innerReader = new Http1Reader(inner, Limits);
        var handled = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                HttpRequestHead? head;
                try
                {
                    head = await ReadHeadAsync(innerReader, stopping);
                }
                catch (Exception ex) when (handled == 0 && ex is IOException or AuthenticationException)
                {
                    head = null;
                    LogTunnelRefused(context.Logger, host, ex.Message);
                }

                if (head is null && handled == 0)
                {
                    // With TLS 1.3 the client checks our certificate after our side of the handshake is done, so a
                    // client that does not trust McpGuard's CA shows up here, as an alert before its first request.
                    var reason = $"client closed the intercepted TLS connection to {host}:{port} before any request (it probably does not trust McpGuard's CA: check NODE_EXTRA_CA_CERTS/SSL_CERT_FILE)";
                    await context.Audit.WriteRefusalAsync("CONNECT", host, port, EgressRules.ProtocolViolation, reason, CancellationToken.None);
                    return;
                }

                if (head is null)
                {
                    return;
                }

                handled++;

                var target = head.Target;
                if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme == "https")
                {
                    if (HostPattern.Normalize(absolute.IdnHost) != host || absolute.Port != port)
                    {
                        throw new EgressProtocolException(421, "request URL does not match the CONNECT target");
                    }

                    target = absolute.PathAndQuery;
                }
                else if (!target.StartsWith('/'))
                {
                    throw new EgressProtocolException(400, "inside a tunnel the request target must be a path");
                }

                var hostHeaders = head.GetAll("Host").ToList();
                if (hostHeaders.Count != 1 || !HostHeaderMatches(hostHeaders[0], host, port))
                {
                    throw new EgressProtocolException(421, "Host header does not match the CONNECT target");
                }

                if (!await HandleRequestAsync("https", host, port, target, head, innerReader, tls, stopping))
                {
                    return;
                }
            }
        }
        catch (EgressProtocolException ex)
        {
            await RefuseAsync(tls, ex.StatusCode, ex.Message, stopping);
        }
        catch (AuditWriteException)
        {
            // Inside the tunnel the answer must go through TLS, so it is given here rather than by RunAsync.
            await RefuseUnrecordedAsync(tls, stopping);
        }
        finally
        {
            await inner.CompleteAsync();
        }
    }

    /// <summary>Reads, inspects, audits and forwards (or blocks) one request. Returns false when the connection must close.</summary>
    private async Task<bool> HandleRequestAsync(string scheme, string host, int port, string pathAndQuery, HttpRequestHead head, Http1Reader reader, Stream output, CancellationToken stopping)
    {
        host = HostPattern.Normalize(host);
        if (head.Method is "TRACE" or "TRACK" or "CONNECT")
        {
            throw new EgressProtocolException(405, $"{head.Method} is not allowed through the egress proxy");
        }

        if (head.Get("Upgrade") is not null)
        {
            // WebSockets and h2c would take the connection out of HTTP/1.1 inspection.
            throw new EgressProtocolException(403, "protocol upgrades are not allowed through the egress proxy");
        }

        var framing = Http1Reader.GetFraming(head);
        if (framing.HasBody && head.Method is "GET" or "HEAD")
        {
            throw new EgressProtocolException(400, $"{head.Method} with a body");
        }

        if (!context.Inspector.IsHostAllowed(host))
        {
            // Decided before reading the body; the unread body means the connection closes afterwards.
            await context.Audit.WriteRefusalAsync(head.Method, host, port, EgressRules.HostNotAllowed, $"host {host} is not allowed for this server", stopping);
            await WriteBlockedAsync(output, 403, EgressRules.HostNotAllowed, $"host {host} is not allowed", close: true, stopping);
            return false;
        }

        if (head.Get("Expect") is { } expect && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await output.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), stopping);
        }

        var body = await reader.ReadBodyAsync(framing, Limits.MaxBodyBytes, stopping);
        if (body is null)
        {
            // Fail closed: a body we cannot hold cannot be inspected, so it cannot be allowed.
            var reason = $"request body exceeds the {Limits.MaxBodyBytes}-byte inspection limit";
            await context.Audit.WriteRefusalAsync(head.Method, host, port, EgressRules.UninspectableBody, reason, stopping);
            await WriteBlockedAsync(output, 403, EgressRules.UninspectableBody, reason, close: true, stopping);
            return false;
        }

        var request = new EgressRequest(scheme, host, port, head, pathAndQuery, body);
        var calls = new CallArguments(context.Calls.Snapshot(context.Policy.Server));
        EgressVerdict verdict;
        try
        {
            verdict = context.Inspector.Inspect(request, calls);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // "Throwing denies": a rule that fails must not let the request through.
            LogInspectorFailed(context.Logger, ex);
            verdict = EgressVerdict.Block(EgressRules.UninspectableBody, "the request could not be inspected");
        }

        // Audit first: the request is forwarded only once its event is durable. An event that cannot be written throws
        // AuditWriteException, so the request is never sent (RefuseUnrecordedAsync answers the client).
        await context.Audit.WriteAsync(request, verdict, calls, stopping);
        var close = head.WantsClose;
        if (!verdict.Allowed)
        {
            await WriteBlockedAsync(output, verdict.StatusCode, verdict.Rule!, verdict.Reason ?? verdict.Rule!.Title, close, stopping);
            return !close;
        }

        return await ForwardAsync(request, output, close, stopping);
    }

    private async Task<bool> ForwardAsync(EgressRequest request, Stream output, bool close, CancellationToken stopping)
    {
        var hostForUri = request.Host.Contains(':', StringComparison.Ordinal) ? $"[{request.Host}]" : request.Host;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), $"{request.Scheme}://{hostForUri}:{request.Port}{request.PathAndQuery}")
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (request.Body.Length > 0 || request.Method is "POST" or "PUT" or "PATCH")
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        var connectionTokens = request.Head.GetAll("Connection").SelectMany(v => v.Split(',')).Select(t => t.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, rawValue) in request.Head.Headers)
        {
            if (s_dropRequest.Contains(name) || connectionTokens.Contains(name))
            {
                continue;
            }

            var value = context.Placeholders.SwapHeaderValue(request, name, rawValue);
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await context.Upstream.SendAsync(message, stopping);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
        {
            LogUpstreamFailed(context.Logger, request.Host, ex.Message);
            await WriteJsonAsync(output, 502, "Bad Gateway", new JsonObject { ["error"] = "upstream unreachable", ["host"] = request.Host }, close, stopping);
            return !close;
        }

        using (response)
        {
            await WriteResponseAsync(request, response, output, close, stopping);
        }

        return !close;
    }

    private static async Task WriteResponseAsync(EgressRequest request, HttpResponseMessage response, Stream output, bool close, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var noBody = request.Method == "HEAD" || status is 204 or 304 || status < 200;
        var length = response.Content.Headers.ContentLength;
        var head = new StringBuilder(512);
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(response.ReasonPhrase ?? "Status").Append("\r\n");
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (s_dropResponse.Contains(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        var chunked = !noBody && length is null;
        if (length is { } l && (!noBody || request.Method == "HEAD"))
        {
            head.Append("Content-Length: ").Append(l).Append("\r\n");
        }
        else if (chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
        }

        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        await output.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
        if (!noBody)
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (chunked)
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await output.WriteAsync(Encoding.ASCII.GetBytes($"{read:X}\r\n"), cancellationToken);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    await output.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
                }

                await output.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
            }
            else
            {
                await body.CopyToAsync(output, cancellationToken);
            }
        }

        await output.FlushAsync(cancellationToken);
    }

    private async ValueTask<HttpRequestHead?> ReadHeadAsync(Http1Reader reader, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(Limits.RequestHeadTimeout);
        return await reader.ReadHeadAsync(timeout.Token);
    }

    private async Task RefuseAsync(Stream output, int status, string reason, CancellationToken stopping)
    {
        try
        {
            await context.Audit.WriteRefusalAsync("-", "-", 0, EgressRules.ProtocolViolation, reason, stopping);
            await WriteBlockedAsync(output, status, EgressRules.ProtocolViolation, reason, close: true, stopping);
        }
        catch (AuditWriteException)
        {
            await RefuseUnrecordedAsync(output, stopping);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is already gone.
        }
    }

    /// <summary>
    /// The audit log could not record this request (a failed journal write: full disk, I/O error, file size limit).
    /// Fail closed: the request was not and will not be sent; the server gets a 503 that says why, and the connection
    /// closes. The audit store's failure is for good, so `run` stops the session at its next event; the reason named in
    /// the answer stays generic because the server must not learn where McpGuard keeps its audit log.
    /// </summary>
    private async Task RefuseUnrecordedAsync(Stream output, CancellationToken stopping)
    {
        LogAuditFailed(context.Logger);
        try
        {
            await WriteJsonAsync(output, 503, "Service Unavailable", new JsonObject
            {
                ["error"] = "not sent: McpGuard could not record this request in its audit log",
            }, close: true, stopping);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is already gone.
        }
    }

    private Task WriteBlockedAsync(Stream output, int status, RuleDescriptor rule, string reason, bool close, CancellationToken cancellationToken) =>
        WriteJsonAsync(output, status, status == 403 ? "Forbidden" : "Refused", new JsonObject
        {
            ["error"] = "blocked by McpGuard egress policy",
            ["ruleId"] = rule.Id,
            ["message"] = context.Redactor.Redact(reason),
        }, close, cancellationToken, rule.Id);

    private static async Task WriteJsonAsync(Stream output, int status, string phrase, JsonObject json, bool close, CancellationToken cancellationToken, string? ruleId = null)
    {
        var body = Encoding.UTF8.GetBytes(json.ToJsonString());
        var head = $"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n"
            + (ruleId is null ? string.Empty : $"X-McpGuard-Block: {ruleId}\r\n")
            + (close ? "Connection: close\r\n" : string.Empty) + "\r\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await output.WriteAsync(body, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static bool HostHeaderMatches(string header, string host, int port)
    {
        if (!Uri.TryCreate("https://" + header, UriKind.Absolute, out var uri) || uri.PathAndQuery != "/")
        {
            return false;
        }

        return HostPattern.Normalize(uri.IdnHost) == host && uri.Port == port;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "egress tunnel to {Host} refused: {Reason}")]
    private static partial void LogTunnelRefused(ILogger logger, string host, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "egress inspection failed; request blocked")]
    private static partial void LogInspectorFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "egress request not sent: its audit event could not be written")]
    private static partial void LogAuditFailed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "egress upstream {Host} failed: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string host, string reason);
}
