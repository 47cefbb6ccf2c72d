using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;
using McpGuard.Verify.Scan;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Verify.Tests;

public sealed class InstallTests
{
    private static InstallResult Run(TempDirectory home, string client, bool undo) =>
        GuardInstaller.Run(client, new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, undo, "mcpguard", new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)));

    private const string Original = """
        {
          // user comment
          "mcpServers": {
            "pm": { "command": "npx", "args": ["-y", "postmark-mcp@1.0.15"], "env": { "T": "${env:T}" } },
            "win": { "command": "cmd", "args": ["/c", "npx", "-y", "x@1.0.0"] },
            "remote": { "url": "https://r.example/mcp" },
            "already": { "command": "mcpguard", "args": ["run", "--", "uvx", "y==1.0.0"] }
          }
        }
        """;

    [Fact]
    public void Install_WrapsStdioServers_BacksUp_IsIdempotent_AndUndoRestores()
    {
        using var home = new TempDirectory();
        var path = home.Write(".cursor/mcp.json", Original);

        var first = Run(home, "cursor", undo: false);

        Assert.Equal(["pm", "win"], first.Changes.Select(c => c.Server));
        var backup = Assert.Single(first.Backups);
        Assert.Equal(Original, File.ReadAllText(backup));
        var scanned = ConfigScanner.Scan(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report;
        Assert.All(scanned.Servers.Where(s => s.Name != "remote"), s => Assert.True(s.Guarded, s.Name));
        Assert.Equal("postmark-mcp", scanned.Servers.Single(s => s.Name == "pm").Package!.Name);
        var pm = JsonNode.Parse(File.ReadAllText(path))!["mcpServers"]!["pm"]!;
        Assert.Equal("${env:T}", (string?)pm["env"]!["T"]);

        var afterFirst = File.ReadAllText(path);
        var second = Run(home, "cursor", undo: false);
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(afterFirst, File.ReadAllText(path));

        var undo = Run(home, "cursor", undo: true);
        Assert.Equal(["pm", "win", "already"], undo.Changes.Select(c => c.Server));
        var servers = JsonNode.Parse(File.ReadAllText(path))!["mcpServers"]!;
        Assert.Equal("npx", (string?)servers["pm"]!["command"]);
        Assert.Equal(["-y", "postmark-mcp@1.0.15"], servers["pm"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["/c", "npx", "-y", "x@1.0.0"], servers["win"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("uvx", (string?)servers["already"]!["command"]);
        Assert.Empty(Run(home, "cursor", undo: true).Changes);
    }

    [Fact]
    public void Install_BrokenFileOrUnsupportedClient_LeavesFilesAlone()
    {
        using var home = new TempDirectory();
        var path = home.Write(".config/Claude/claude_desktop_config.json", "{ \"mcpServers\": { ");

        var result = Run(home, "claude-desktop", undo: false);

        Assert.Empty(result.Changes);
        Assert.Contains(result.Notes, n => n.Contains(path, StringComparison.Ordinal));
        Assert.Equal("{ \"mcpServers\": { ", File.ReadAllText(path));
        var ex = Assert.Throws<UserInputException>(() => Run(home, "codex", undo: false));
        Assert.Contains("codex", ex.Message, StringComparison.Ordinal);
    }
}
