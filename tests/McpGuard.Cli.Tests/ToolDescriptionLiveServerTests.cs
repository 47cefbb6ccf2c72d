using System.Diagnostics;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// Real peers: the official TypeScript SDK client fetches tools/list from real MCP servers (the two upstream reference
/// servers, and a synthetic poisoned fixture), and <c>analyze --tools</c> judges the saved result.
/// </summary>
public sealed class ToolDescriptionLiveServerTests
{
    private static readonly string NodeDir = RepoPaths.NodeFixtures;

    [Theory]
    [InlineData("@modelcontextprotocol/server-everything/dist/index.js", "stdio")]
    [InlineData("@modelcontextprotocol/server-filesystem/dist/index.js", "{tmp}")]
    public async Task AnalyzeTools_UpstreamReferenceServers_NoFindings(string entry, string arg)
    {
        using var dir = new TempDirectory();
        var file = await SaveToolsListAsync(dir, Path.Combine(NodeDir, "node_modules", entry), arg.Replace("{tmp}", dir.Path, StringComparison.Ordinal));

        var r = await CliHarness.RunAsync("analyze", "--tools", file, "--format", "json", "--fail-on", "low");

        Assert.True(r.ExitCode == 0, r.Out);
        Assert.Empty(JsonNode.Parse(r.Out)!["findings"]!.AsArray());
        Assert.Matches("checked ([1-9][0-9]) tool definition", r.Error);
    }

    [Fact]
    public async Task AnalyzeTools_PoisonedFixtureServer_EachAttackFound()
    {
        using var dir = new TempDirectory();
        var file = await SaveToolsListAsync(dir, Path.Combine(NodeDir, "textrules", "poisoned-server.mjs"), null);

        var r = await CliHarness.RunAsync("analyze", "--tools", file, "--format", "json");

        Assert.Equal(1, r.ExitCode);
        var found = JsonNode.Parse(r.Out)!["findings"]!.AsArray()
            .Select(f => ((string?)f!["ruleId"], (string?)f["evidence"]!["tool"])).ToHashSet();
        Assert.Superset(new HashSet<(string?, string?)>
        {
            ("MCPG301", "add"), ("MCPG303", "add"), ("MCPG304", "add"), ("MCPG306", "add"),
            ("MCPG305", "weather"), ("MCPG307", "weather"), ("MCPG311", "weather"), ("MCPG302", "weather"),
        }, found);
    }

    /// <summary>Runs list-tools.mjs against a server script and saves its tools/list result to a file.</summary>
    private static async Task<string> SaveToolsListAsync(TempDirectory dir, string serverScript, string? serverArg)
    {
        Assert.True(Directory.Exists(Path.Combine(NodeDir, "node_modules", "@modelcontextprotocol", "sdk")),
            "tests/Fixtures/node/node_modules is missing: run 'npm ci --prefix tests/Fixtures/node' (or .ci/run)");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(NodeDir, "textrules", "list-tools.mjs"), "node", serverScript, serverArg })
        {
            if (a is not null)
            {
                psi.ArgumentList.Add(a);
            }
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90)); // generous: node start-up on a loaded 2-core CI box
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"list-tools.mjs failed ({process.ExitCode}): {await stderr}");
        return dir.Write("tools.json", await stdout);
    }
}
