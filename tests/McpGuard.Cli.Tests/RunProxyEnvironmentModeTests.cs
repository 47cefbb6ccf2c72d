using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>`run --sandbox none` with egress options: proxy-environment mode, announced as weaker on every start.</summary>
public sealed class RunProxyEnvironmentModeTests
{
    [Fact]
    public async Task Run_SandboxNoneWithAllowHost_ServerGetsLoopbackProxyAndWarningIsLoud()
    {
        using var dir = new TempDirectory();
        var probe = Path.Combine(dir.Path, "env.json");
        // The server writes the proxy variables it was given, then waits for stdin to close (the client leaving).
        var script = dir.Write("server.js", $$"""
            require('node:fs').writeFileSync({{System.Text.Json.JsonSerializer.Serialize(probe)}}, JSON.stringify({ proxy: process.env.HTTPS_PROXY, noProxy: process.env.NO_PROXY, options: process.env.NODE_OPTIONS, token: process.env.DEMO_TOKEN }));
            process.stdin.resume();
            process.stdin.on('end', () => process.exit(0));
            """);
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "data"), ["DEMO_TOKEN"] = "real-secret-value" };

        var (code, _, stderr) = await ProcessRunner.RunAsync(
            "dotnet",
            [RepoPaths.McpGuardDll, "run", "--sandbox", "none", "--audit", Path.Combine(dir.Path, "audit.db"), "--allow-host", "api.example.test",
             "--egress-secret", "DEMO_TOKEN@api.example.test:Authorization", "--", "node", script],
            env, dir.Path, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(File.Exists(probe), $"server did not start: exit {code}: {stderr}");
        var seen = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(probe))!;
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", (string?)seen["proxy"]);
        Assert.Equal("localhost,127.0.0.1,::1", (string?)seen["noProxy"]);
        Assert.Contains("--require", (string?)seen["options"], StringComparison.Ordinal);
        Assert.NotEqual("real-secret-value", (string?)seen["token"]);
        Assert.Contains("proxy-environment mode: the server is NOT sandboxed", stderr, StringComparison.Ordinal);
        Assert.Contains("bypasses every egress rule", stderr, StringComparison.Ordinal);
    }
}
