using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// <c>mcpguard install --client vscode --project DIR</c> through the CLI, as a team whose servers live in the
/// repository's <c>.vscode/mcp.json</c> would run it from the repository's parent folder (a relative DIR): the
/// workspace file is guarded, the user's own VS Code config is not touched, <c>scan</c> run in the repository reports
/// the server as guarded, a second install changes nothing and <c>--undo</c> gives back the very bytes.
/// </summary>
public sealed class InstallProjectCliTests
{
    // Install splices only the values, so undo gives back the very bytes.
    private const string Workspace = """
        {
          "servers": {
            "pm": {
              "type": "stdio",
              "command": "npx",
              "args": [
                "-y",
                "postmark-mcp@1.0.15"
              ]
            }
          }
        }

        """;

    private const string UserMcpJson = """{ "servers": { "mine": { "command": "npx", "args": ["-y", "mine@1.0.0"] } } }""";

    [Fact]
    public async Task InstallProject_RelativeDir_GuardsTheWorkspaceFile_NotTheUsersConfig_ScanSeesIt_UndoRestoresEveryByte()
    {
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(Path.Combine(dir.Path, "home")).FullName;
        var repo = Path.Combine(dir.Path, "src", "repo");
        var workspaceFile = dir.Write("src/repo/.vscode/mcp.json", Workspace);
        var userFile = dir.Write("home/.config/Code/User/mcp.json", UserMcpJson);
        var data = Path.Combine(dir.Path, "data");
        Func<string, string?> env = n => n switch { "HOME" => home, "MCPGUARD_HOME" => data, _ => null };
        var cwd = Path.Combine(dir.Path, "src");
        string[] install = ["install", "--client", "vscode", "--project", "repo"];

        var first = await CliHarness.RunAsync(install, env, cwd);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains($"guarded pm in {workspaceFile}", first.Out, StringComparison.Ordinal);
        Assert.Contains($"backup: {workspaceFile}.mcpguard-backup-", first.Out, StringComparison.Ordinal);
        Assert.Contains("keep them out of version control", first.Error, StringComparison.Ordinal);
        Assert.Equal(
            ["run", "--", "npx", "-y", "postmark-mcp@1.0.15"],
            JsonNode.Parse(File.ReadAllText(workspaceFile))!["servers"]!["pm"]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(UserMcpJson, File.ReadAllText(userFile));

        // A real scan run inside the repository reads its workspace file; so does scan --config FILE.
        foreach (var (args, wd) in new[]
        {
            (new[] { "scan", "--format", "json" }, repo),
            (new[] { "scan", "--home", home, "--config", workspaceFile, "--format", "json" }, cwd),
        })
        {
            var scan = await CliHarness.RunAsync(args, env, wd);
            var servers = JsonNode.Parse(scan.Out)!["servers"]!.AsArray();
            var pm = servers.Single(s => (string?)s!["name"] == "pm" && (string?)s["configPath"] == workspaceFile)!;
            Assert.True((bool)pm["guarded"]!, string.Join(' ', args));
            Assert.False((bool)servers.Single(s => (string?)s!["name"] == "mine")!["guarded"]!);
        }

        var installed = File.ReadAllBytes(workspaceFile);
        var second = await CliHarness.RunAsync(install, env, cwd);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("nothing to change", second.Out, StringComparison.Ordinal);
        Assert.Equal(installed, File.ReadAllBytes(workspaceFile));

        var undo = await CliHarness.RunAsync([.. install, "--undo"], env, cwd);
        Assert.True(undo.ExitCode == 0, undo.Error);
        Assert.Contains($"unguarded pm in {workspaceFile}", undo.Out, StringComparison.Ordinal);
        Assert.Equal(Workspace, File.ReadAllText(workspaceFile));
        Assert.Equal(UserMcpJson, File.ReadAllText(userFile));
    }

    [Theory]
    [InlineData("codex", "repo", "--client codex has no project config")]
    [InlineData("claude-desktop", "repo", "--client claude-desktop has no project config")]
    [InlineData("vscode", "no-such-folder", "--project folder not found: ")]
    public async Task InstallProject_UnsupportedClientOrMissingFolder_ExitsTwoWithTheMessage(string client, string folder, string message)
    {
        using var dir = new TempDirectory();
        var workspaceFile = dir.Write("repo/.vscode/mcp.json", Workspace);

        var r = await CliHarness.RunAsync(["install", "--client", client, "--project", folder], n => n == "HOME" ? dir.Path : null, dir.Path);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
        Assert.Equal(Workspace, File.ReadAllText(workspaceFile));
    }

    [Fact]
    public async Task InstallProject_WithHome_IsRefused_AndAFolderWithoutTheClientsFileIsANote()
    {
        using var dir = new TempDirectory();
        dir.Write("repo/.mcp.json", """{ "mcpServers": {} }""");

        var both = await CliHarness.RunAsync(["install", "--client", "claude-code", "--project", "repo", "--home", dir.Path], n => null, dir.Path);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--home and --project cannot be combined", both.Error, StringComparison.Ordinal);

        var none = await CliHarness.RunAsync(["install", "--client", "cursor", "--project", "repo"], n => n == "HOME" ? dir.Path : null, dir.Path);
        Assert.Equal(0, none.ExitCode);
        Assert.Contains($"note: no cursor config found under {Path.Combine(dir.Path, "repo")} (looked for .cursor/mcp.json)", none.Error, StringComparison.Ordinal);
    }
}
