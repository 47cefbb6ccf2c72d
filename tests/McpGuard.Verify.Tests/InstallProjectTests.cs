using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;
using McpGuard.Verify.Scan;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Verify.Tests;

/// <summary>
/// <c>install --project DIR</c>: a project's (workspace's) config is rewritten through the same editor as the user
/// configs, and the user configs are left alone.
/// </summary>
public sealed class InstallProjectTests
{
    private static InstallResult RunProjects(string client, bool undo, params string[] folders) =>
        GuardInstaller.RunProjects(client, folders, undo, "mcpguard", new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero)));

    // A VS Code workspace mcp.json; install splices only the values, so undo gives back the very bytes.
    private const string VsCodeWorkspace = """
        {
          "inputs": [
            {
              "type": "promptString",
              "id": "postmark-token",
              "description": "Postmark server token",
              "password": true
            }
          ],
          "servers": {
            "pm": {
              "type": "stdio",
              "command": "npx",
              "args": [
                "-y",
                "postmark-mcp@1.0.15"
              ],
              "env": {
                "POSTMARK_SERVER_TOKEN": "${input:postmark-token}"
              }
            },
            "docs": {
              "type": "http",
              "url": "https://docs.example/mcp"
            }
          }
        }

        """;

    private const string ClaudeCodeProject = """
        {
          "mcpServers": {
            "fs": {
              "command": "npx",
              "args": [
                "-y",
                "@modelcontextprotocol/server-filesystem@2025.8.21",
                "."
              ]
            }
          }
        }

        """;

    // A user-level config with one server under the client's key ("servers" for VS Code's mcp.json).
    private static string UserConfig(string key) => $$"""
        {
          "{{key}}": {
            "user-server": { "command": "npx", "args": ["-y", "user-server@1.0.0"] }
          }
        }
        """;

    [Fact]
    public void VsCodeWorkspaceMcpJson_IsGuarded_UserConfigUntouched_ScanSeesGuarded_Idempotent_UndoRestoresEveryByte()
    {
        using var dir = new TempDirectory();
        var workspace = Directory.CreateDirectory(Path.Combine(dir.Path, "repo")).FullName;
        var path = dir.Write("repo/.vscode/mcp.json", VsCodeWorkspace);
        var userConfig = dir.Write("home/.config/Code/User/mcp.json", UserConfig("servers"));

        var first = RunProjects("vscode", undo: false, workspace);

        var change = Assert.Single(first.Changes);
        Assert.Equal(("pm", path, "guarded"), (change.Server, change.ConfigPath, change.Action));
        Assert.Equal(VsCodeWorkspace, File.ReadAllText(Assert.Single(first.Backups)));
        Assert.StartsWith(path + ".mcpguard-backup-", first.Backups[0], StringComparison.Ordinal);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("mcpguard", (string?)root["servers"]!["pm"]!["command"]);
        Assert.Equal(["run", "--pass-env", "POSTMARK_SERVER_TOKEN", "--", "npx", "-y", "postmark-mcp@1.0.15"], root["servers"]!["pm"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("${input:postmark-token}", (string?)root["servers"]!["pm"]!["env"]!["POSTMARK_SERVER_TOKEN"]);
        Assert.Equal("promptString", (string?)root["inputs"]![0]!["type"]);
        Assert.Equal(UserConfig("servers"), File.ReadAllText(userConfig));

        // scan finds the workspace as a project folder (a real scan's working directory) and as a --config file.
        foreach (var options in new[]
        {
            new DiscoveryOptions { Home = Path.Combine(dir.Path, "home"), HomeOverridden = true, ProjectFolders = [workspace] },
            new DiscoveryOptions { Home = Path.Combine(dir.Path, "home"), HomeOverridden = true, ExtraConfigs = [path] },
        })
        {
            var servers = ConfigScanner.Scan(options, IntelDatabase.BuiltIn, TestContext.Current.CancellationToken).Report.Servers;
            var pm = Assert.Single(servers, s => s.Name == "pm");
            Assert.True(pm.Guarded);
            Assert.Equal("postmark-mcp", pm.Package!.Name);
            Assert.False(Assert.Single(servers, s => s.Name == "user-server").Guarded);
        }

        var installed = File.ReadAllBytes(path);
        var second = RunProjects("vscode", undo: false, workspace);
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(installed, File.ReadAllBytes(path));

        var undo = RunProjects("vscode", undo: true, workspace);
        Assert.Equal(["pm"], undo.Changes.Select(c => c.Server));
        Assert.Equal(VsCodeWorkspace, File.ReadAllText(path));
        Assert.Empty(RunProjects("vscode", undo: true, workspace).Changes);
        Assert.Equal(UserConfig("servers"), File.ReadAllText(userConfig));
    }

    [Fact]
    public void ClaudeCodeMcpJson_InTwoProjects_AreGuarded_ClaudeJsonUntouched_AndUndoRestoresEveryByte()
    {
        using var dir = new TempDirectory();
        var a = dir.Write("a/.mcp.json", ClaudeCodeProject);
        var b = dir.Write("b/.mcp.json", ClaudeCodeProject);
        var claudeJson = dir.Write("home/.claude.json", UserConfig("mcpServers"));
        var folders = new[] { Path.Combine(dir.Path, "a"), Path.Combine(dir.Path, "b") };

        var first = RunProjects("claude-code", undo: false, folders);

        Assert.Equal([(a, "fs"), (b, "fs")], first.Changes.Select(c => (c.ConfigPath, c.Server)));
        Assert.Equal(2, first.Backups.Count);
        Assert.Equal(
            ["run", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "."],
            JsonNode.Parse(File.ReadAllText(a))!["mcpServers"]!["fs"]!["args"]!.AsArray().Select(x => (string?)x));
        Assert.Equal(UserConfig("mcpServers"), File.ReadAllText(claudeJson));
        Assert.Empty(RunProjects("claude-code", undo: false, folders).Changes);

        Assert.Equal(2, RunProjects("claude-code", undo: true, folders).Changes.Count);
        Assert.Equal(ClaudeCodeProject, File.ReadAllText(a));
        Assert.Equal(ClaudeCodeProject, File.ReadAllText(b));
    }

    [Fact]
    public void VsCodeWorkspaceSettingsJson_McpServers_AreGuardedToo()
    {
        using var dir = new TempDirectory();
        var settings = dir.Write(".vscode/settings.json", """
            {
              "editor.tabSize": 2,
              "mcp": { "servers": { "nested": { "command": "uvx", "args": ["y==1.0.0"] } } },
              "mcp.servers": { "flat": { "command": "node", "args": ["server.js"] } }
            }
            """);

        var result = RunProjects("vscode", undo: false, dir.Path);

        Assert.Equal(["flat", "nested"], result.Changes.Select(c => c.Server).Order());
        var root = JsonNode.Parse(File.ReadAllText(settings))!;
        Assert.Equal("mcpguard", (string?)root["mcp"]!["servers"]!["nested"]!["command"]);
        Assert.Equal("mcpguard", (string?)root["mcp.servers"]!["flat"]!["command"]);
        Assert.Equal(2, (int)root["editor.tabSize"]!);
    }

    [Theory]
    [InlineData("codex")]
    [InlineData("claude-desktop")]
    [InlineData("windsurf")]
    [InlineData("vscode-insiders")]
    public void ClientWithoutProjectConfig_IsRefused_NamingTheClient(string client)
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<UserInputException>(() => RunProjects(client, undo: false, dir.Path));
        Assert.Contains($"--client {client} has no project config", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFolder_IsRefusedNamingIt_AFolderWithoutTheClientsConfigIsANote()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "no-such-project");
        var ex = Assert.Throws<UserInputException>(() => RunProjects("vscode", undo: false, missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);

        // Another client's project file in the folder is not this client's config.
        var cursor = dir.Write(".cursor/mcp.json", ClaudeCodeProject);
        var result = RunProjects("vscode", undo: false, dir.Path);
        Assert.Empty(result.Changes);
        Assert.Equal([$"no vscode config found under {dir.Path} (looked for .vscode/mcp.json, .vscode/settings.json)"], result.Notes);
        Assert.Equal(ClaudeCodeProject, File.ReadAllText(cursor));
    }

    [Fact]
    public void ProjectClients_AreExactlyThoseWithAProjectConfigFormat()
    {
        Assert.Equal(["claude-code", "cursor", "vscode", "gemini-cli", "kiro"], GuardInstaller.ProjectClients);
    }
}
