using System.Diagnostics;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>
/// Real Node 20 clients through the proxy's TCP listener with HTTPS_PROXY + NODE_EXTRA_CA_CERTS (what the sandbox
/// relay offers): which honour the proxy by themselves, and that the preload in tests/Fixtures/egress-node makes
/// fetch (and so the real postmark client, which uses fetch since 5.x) and the https module go through it.
/// </summary>
public sealed class EgressNodeClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject AliceArgs() => new() { ["to"] = "alice@example.com", ["subject"] = "Hi" };

    [Theory]
    [InlineData("axios", false)]
    [InlineData("postmark", true)]
    [InlineData("fetch", true)]
    [InlineData("https", true)]
    public async Task Client_HonestEmail_DeliveredThroughProxyWithRealToken(string mode, bool preload)
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());

        var result = await RunNodeAsync(host, mode, preload, bcc: null);

        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        var received = Assert.Single(host.Api.Received);
        Assert.Equal(EgressTestHost.RealToken, received.Token);
        Assert.Equal("allow", Assert.Single(host.Audit.Events).Decision);
    }

    [Theory]
    [InlineData("axios", false)]
    [InlineData("postmark", true)]
    public async Task Client_HiddenBcc_BlockedAndNeverReachesApi(string mode, bool preload)
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());

        var result = await RunNodeAsync(host, mode, preload, bcc: "phan@giftshop.club");

        Assert.False(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Empty(host.Api.Received);
        Assert.Equal("MCPG601", Assert.Single(host.Audit.Events).RuleId);
        Assert.Contains(host.Alerts, a => a.UnexpectedRecipients.Contains("phan@giftshop.club"));
    }

    [Theory]
    [InlineData("fetch")]
    [InlineData("https")]
    public async Task Client_Node20WithoutPreload_IgnoresHttpsProxy(string mode)
    {
        await using var host = await EgressTestHost.StartAsync(unixSocket: false);
        host.BeginCall("1", AliceArgs());

        // An unresolvable host: a client that honoured HTTPS_PROXY would show up at the proxy (and be refused there);
        // one that ignores it fails on name resolution without touching the network.
        var result = await RunNodeAsync(host, mode, preload: false, bcc: null, targetHost: "api.postmarkapp.invalid");

        Assert.False(result["ok"]!.GetValue<bool>());
        Assert.Contains(result["error"]!.GetValue<string>(), new[] { "ENOTFOUND", "EAI_AGAIN" });
        Assert.Empty(host.Audit.Events);
    }

    [Fact]
    public async Task Postmark_ThroughSocatRelayToUnixSocket_HonestDeliveredHiddenBccBlocked()
    {
        // The sandbox topology: client -> 127.0.0.1 relay (socat here) -> the proxy's per-server Unix socket.
        await using var host = await EgressTestHost.StartAsync(unixSocket: true);
        host.BeginCall("1", AliceArgs());
        var start = new ProcessStartInfo("socat") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr", $"UNIX-CONNECT:{host.Proxy.SocketPath}" })
        {
            start.ArgumentList.Add(arg);
        }

        Process relay;
        try
        {
            relay = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("socat is missing: install it (apt-get install socat, as .ci/run does)", ex);
        }

        using (relay)
        {
            try
            {
                // socat -d -d announces the port it bound: "... listening on AF=2 127.0.0.1:PORT".
                string? line;
                var port = 0;
                while (port == 0 && (line = await relay.StandardError.ReadLineAsync(Ct)) is not null)
                {
                    var at = line.IndexOf("listening on AF=2 127.0.0.1:", StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        port = int.Parse(line[(at + "listening on AF=2 127.0.0.1:".Length)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }

                Assert.NotEqual(0, port);
                _ = relay.StandardError.ReadToEndAsync(Ct);
                var honest = await RunNodeAsync(host, "postmark", preload: true, bcc: null, proxyUrl: $"http://127.0.0.1:{port}");
                var backdoored = await RunNodeAsync(host, "postmark", preload: true, bcc: "phan@giftshop.club", proxyUrl: $"http://127.0.0.1:{port}");

                Assert.True(honest["ok"]!.GetValue<bool>(), honest.ToJsonString());
                Assert.False(backdoored["ok"]!.GetValue<bool>(), backdoored.ToJsonString());
                Assert.Equal(EgressTestHost.RealToken, Assert.Single(host.Api.Received).Token);
                Assert.False(host.Api.SawText("phan@giftshop.club"));
            }
            finally
            {
                relay.Kill(entireProcessTree: true);
                await relay.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static async Task<JsonObject> RunNodeAsync(EgressTestHost host, string mode, bool preload, string? bcc, string? targetHost = null, string? proxyUrl = null)
    {
        var script = Path.Combine(RepoPaths.NodeFixtures, "egress", "send-email.mjs");
        var preloadPath = Path.Combine(RepoPaths.Fixtures, "egress-node", "preload-proxy.cjs");
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.NodeFixtures, "node_modules", "postmark")),
            "tests/Fixtures/node/node_modules is missing: run 'npm ci --prefix tests/Fixtures/node' (or .ci/run)");
        Assert.True(!preload || Directory.Exists(Path.Combine(RepoPaths.Fixtures, "egress-node", "node_modules", "undici")),
            "tests/Fixtures/egress-node/node_modules is missing: run 'npm ci --prefix tests/Fixtures/egress-node' (or .ci/run)");

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(mode);
        if (targetHost is not null)
        {
            start.ArgumentList.Add(targetHost);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = host.Temp.Path;
        proxyUrl ??= $"http://127.0.0.1:{host.Proxy.TcpEndPoint!.Port}";
        foreach (var (name, value) in host.Proxy.BuildClientEnvironment(proxyUrl, host.Proxy.TrustBundlePath))
        {
            start.Environment[name] = value;
        }

        start.Environment["MAIL_TO"] = "alice@example.com";
        if (bcc is not null)
        {
            start.Environment["MAIL_BCC"] = bcc;
        }

        if (preload)
        {
            start.Environment["NODE_OPTIONS"] = $"--require {preloadPath}";
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Trim();
        Assert.True(output.Length > 0, "node printed nothing; stderr: " + await stderr);
        return JsonNode.Parse(output.Split('\n')[^1])!.AsObject();
    }
}
