using McpGuard.Demo;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// `dotnet mcpguard.dll demo` as a real process: real bubblewrap, the real egress proxy, the real `postmark` client in
/// the bundled email servers, the official C# MCP client, the fake Postmark API on 127.0.0.1. The npm install is
/// pre-seeded with the repository's node_modules of the same lock (installed by .ci/run), so no registry is needed.
/// </summary>
public sealed class DemoCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(int Code, string Out, string Err)> DemoAsync(IDictionary<string, string> env, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [RepoPaths.McpGuardDll, "demo", .. args], env, cwd: null, TimeSpan.FromSeconds(120), Ct);

    private static string SeededDataFolder(TempDirectory dir)
    {
        var data = Path.Combine(dir.Path, "data");
        var install = DemoNodePackage.FolderFor(data);
        DemoAssets.WriteTo(install);
        File.CreateSymbolicLink(Path.Combine(install, "node_modules"), RepoPaths.EmailServerNodeModules);
        return data;
    }

    [Fact]
    public async Task Demo_RealCli_HonestDeliveredBackdooredBlockedAuditIntactAndTempFolderRemoved()
    {
        using var dir = new TempDirectory();
        var tmp = Directory.CreateDirectory(Path.Combine(dir.Path, "tmp")).FullName;
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = SeededDataFolder(dir), ["TMPDIR"] = tmp };

        var (code, stdout, stderr) = await DemoAsync(env);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var lines = stdout.Split('\n');
        // (a) scan: the server in the bundled config, unpinned.
        Assert.Contains(lines, l => l.Contains("found 'postmark'", StringComparison.Ordinal) && l.Contains("(unpinned)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("MCPG102", StringComparison.Ordinal));
        // (b) diff: block, the added Bcc line with file:line.
        Assert.Contains("Verdict: block", stdout, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("index.js:", StringComparison.Ordinal) && l.Contains("Bcc: 'phan@giftshop.club'", StringComparison.Ordinal));
        // (c) honest: delivered with the real token swapped in.
        Assert.Contains("tool result: Email sent successfully!", stdout, StringComparison.Ordinal);
        Assert.Contains("received 1 email(s), to alice@example.com, with the real token", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FLAGGED", stdout, StringComparison.Ordinal);
        // (d) backdoored: blocked at the egress proxy, recipient named, nothing reached the API.
        Assert.Contains(lines, l => l.Contains("BLOCKED MCPG601", StringComparison.Ordinal) && l.Contains(DemoScenario.HiddenRecipient, StringComparison.Ordinal));
        Assert.Contains($"received nothing for {DemoScenario.HiddenRecipient} (0 request(s)", stdout, StringComparison.Ordinal);
        // (e) audit verify.
        Assert.Contains("hash chain intact; 1 egress block naming phan@giftshop.club", stdout, StringComparison.Ordinal);
        Assert.Contains("Result: every step behaved as expected.", stdout, StringComparison.Ordinal);
        // Progress went to stderr, nothing was installed from a registry, and the temp folder is gone.
        Assert.Contains("demo: verifying the audit log", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Installing", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(tmp, "mcpguard-demo-*"));
    }

    [Fact]
    public async Task Demo_SandboxNone_ProxyEnvironmentModeSaysSoAndStillBlocks()
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = SeededDataFolder(dir) };

        var (code, stdout, stderr) = await DemoAsync(env, "--sandbox", "none", "--keep");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        // --keep: the folder stays, and its audit log is the one the narrative verified.
        var kept = System.Text.RegularExpressions.Regex.Match(stdout, @"Kept the demo folder: (\S+) \(").Groups[1].Value;
        try
        {
            Assert.True(File.Exists(Path.Combine(kept, "audit.db")), stdout);
        }
        finally
        {
            if (kept.Length > 0 && Directory.Exists(kept))
            {
                Directory.Delete(kept, recursive: true);
            }
        }

        Assert.Contains("NO sandbox", stdout, StringComparison.Ordinal);
        Assert.Contains("proxy-environment mode", stdout, StringComparison.Ordinal);
        Assert.Contains("tool result: Email sent successfully!", stdout, StringComparison.Ordinal);
        Assert.Contains(stdout.Split('\n'), l => l.Contains("BLOCKED MCPG601", StringComparison.Ordinal) && l.Contains(DemoScenario.HiddenRecipient, StringComparison.Ordinal));
        Assert.Contains("Result: every step behaved as expected.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_FirstRunRegistryUnreachable_Exit2SaysSoAndLeavesNoHalfInstall()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        // A closed port on loopback stands in for an unreachable registry; no retries so the test stays fast.
        var env = new Dictionary<string, string>
        {
            ["MCPGUARD_HOME"] = data,
            ["npm_config_registry"] = "http://127.0.0.1:9/",
            ["npm_config_fetch_retries"] = "0",
            ["npm_config_cache"] = Path.Combine(dir.Path, "npm-cache"),
        };

        var (code, stdout, stderr) = await DemoAsync(env, "--sandbox", "none");

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("Installing the demo's npm dependencies", stderr, StringComparison.Ordinal);
        Assert.Contains("the npm registry is unreachable", stderr, StringComparison.Ordinal);
        Assert.False(DemoNodePackage.IsInstalled(DemoNodePackage.FolderFor(data)));
        Assert.Empty(Directory.GetDirectories(Path.Combine(data, "demo")));
    }

    [Fact]
    public async Task Demo_NodeMissing_Exit2WithInstallHint()
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "data"), ["PATH"] = Path.Combine(dir.Path, "empty-bin") };

        var (code, stdout, stderr) = await DemoAsync(env);

        Assert.Equal(2, code);
        Assert.Contains("node was not found on PATH", stderr, StringComparison.Ordinal);
        Assert.Contains("Install Node.js", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }
}
