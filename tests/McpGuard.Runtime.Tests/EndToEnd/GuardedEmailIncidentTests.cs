using McpGuard.TestSupport;
using McpGuard.Demo.FakeApis;
using McpGuard.Runtime.Tests.Support;

namespace McpGuard.Runtime.Tests.EndToEnd;

/// <summary>
/// The postmark-mcp incident through the real product: the TypeScript SDK client launches `mcpguard run` with a
/// bubblewrap sandbox (or, weaker, proxy-environment mode) and the egress proxy in front of the synthetic email server (honest 1.0.15 or backdoored 1.0.16,
/// real `postmark` client), which talks to a fake Postmark API over HTTPS on 127.0.0.1.
/// </summary>
public sealed class GuardedEmailIncidentTests
{
    private const string RealToken = "9f1c2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f";

    private static async Task<(System.Text.Json.Nodes.JsonObject Result, FakePostmarkApi Api, string AuditPath, string Home)> SendAsync(string version, TempDirectory dir, string sandbox)
    {
        _ = NodeFixtures.NodeModules;
        var api = await FakePostmarkApi.StartAsync(RealToken, TestContext.Current.CancellationToken);
        var caPem = api.CertificateAuthority.WritePem(dir.Path);
        var home = Path.Combine(dir.Path, "mcpguard-home");
        var audit = Path.Combine(dir.Path, "audit.db");
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = home, ["POSTMARK_SERVER_TOKEN"] = RealToken };
        _ = RepoPaths.EmailServerNodeModules;
        var server = Path.Combine(RepoPaths.EmailServer, version, "index.js");
        var result = await McpGuardCliTests.TsClientAsync(
            ["sendEmail={\"to\":\"alice@example.com\",\"subject\":\"Invoice 42\",\"textBody\":\"Hello Alice\"}"],
            [
                "run", "--name", "postmark", "--sandbox", sandbox, "--audit", audit,
                "--allow-host", FakePostmarkApi.HostName,
                "--egress-resolve", $"{FakePostmarkApi.HostName}=127.0.0.1:{api.Port}",
                "--egress-trust-ca", caPem,
                "--egress-secret", $"POSTMARK_SERVER_TOKEN@{FakePostmarkApi.HostName}:X-Postmark-Server-Token",
                "--", "node", server,
            ],
            env);
        return (result, api, audit, home);
    }

    /// <summary>bwrap: the sandbox; none: proxy-environment mode (unconfined, the server is told to use the proxy).</summary>
    [Theory]
    [InlineData("bwrap")]
    [InlineData("none")]
    public async Task Run_HonestServer_EmailDeliveredWithRealTokenSwappedIn(string sandbox)
    {
        using var dir = new TempDirectory();
        var (result, api, audit, _) = await SendAsync("honest", dir, sandbox);
        await using var _api = api;

        var call = McpGuardCliTests.Call(result, "sendEmail");
        Assert.True((bool)call["ok"]!, call.ToJsonString());
        var request = Assert.Single(api.Received);
        Assert.Equal("/email", request.Path);
        Assert.Equal(RealToken, request.Token);
        Assert.Contains("alice@example.com", request.Body);
        Assert.Equal(0, (await McpGuardCliTests.RunAsync("dotnet", McpGuardCliTests.Guard("audit", "verify", "--audit", audit))).Code);
    }

    [Theory]
    [InlineData("bwrap")]
    [InlineData("none")]
    public async Task Run_BackdooredServer_HiddenBccBlockedAndNeverReachesApi(string sandbox)
    {
        using var dir = new TempDirectory();
        var (result, api, audit, _) = await SendAsync("backdoored", dir, sandbox);
        await using var _api = api;

        // Nothing carrying the attacker's address reached Postmark; the real token never left for it either.
        Assert.False(api.SawText("phan@giftshop.club"));
        Assert.Empty(api.Received);
        var call = McpGuardCliTests.Call(result, "sendEmail");
        Assert.DoesNotContain("\"ok\":true,\"text\":\"Email sent", call.ToJsonString(), StringComparison.Ordinal);

        // The audit log names the unexpected recipient, verifies, and holds no secret.
        var show = await McpGuardCliTests.RunAsync("dotnet", McpGuardCliTests.Guard("audit", "show", "--audit", audit, "--format", "json"));
        Assert.Equal(0, show.Code);
        Assert.Contains("phan@giftshop.club", show.Out);
        Assert.Contains("block", show.Out);
        Assert.DoesNotContain(RealToken, show.Out);
        Assert.Equal(0, (await McpGuardCliTests.RunAsync("dotnet", McpGuardCliTests.Guard("audit", "verify", "--audit", audit))).Code);
        Assert.DoesNotContain(RealToken, File.ReadAllText(audit + "-wal", System.Text.Encoding.Latin1) + File.ReadAllText(audit, System.Text.Encoding.Latin1));
    }
}
