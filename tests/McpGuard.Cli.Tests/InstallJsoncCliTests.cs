using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// <c>mcpguard install --client vscode</c> through the CLI on a commented user settings.json: only the server's command
/// and args change, <c>--undo</c> gives back the very bytes, and a settings.json with a duplicate key is named and
/// left alone (exit 2).
/// </summary>
public sealed class InstallJsoncCliTests
{
    private const string Settings = """
        // my settings
        {
            "editor.tabSize": 4, /* keep */
            "mcp": {
                "servers": {
                    "pm": { "command": "npx", "args": [ "-y", "postmark-mcp@1.0.15" ] }, // mail
                },
            },
        }

        """;

    [Fact]
    public async Task Install_CommentedSettingsJson_KeepsEverythingButTheServerValues_UndoRestoresEveryByte()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("home/.config/Code/User/settings.json", Settings);
        Func<string, string?> env = n => n switch { "HOME" => Path.Combine(dir.Path, "home"), "MCPGUARD_HOME" => Path.Combine(dir.Path, "data"), _ => null };
        string[] install = ["install", "--client", "vscode"];

        var first = await CliHarness.RunAsync(install, env, dir.Path);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains($"guarded pm in {path}", first.Out, StringComparison.Ordinal);
        Assert.Equal(
            Settings.Replace("""{ "command": "npx", "args": [ "-y",""", """{ "command": "mcpguard", "args": [ "run", "--", "npx", "-y",""", StringComparison.Ordinal),
            File.ReadAllText(path));

        var undo = await CliHarness.RunAsync([.. install, "--undo"], env, dir.Path);

        Assert.True(undo.ExitCode == 0, undo.Error);
        Assert.Equal(Settings, File.ReadAllText(path));
    }

    [Fact]
    public async Task Install_SettingsJsonWithADuplicateKey_IsNamed_LeftByteIdentical_Exit2()
    {
        using var dir = new TempDirectory();
        const string duplicated = """{ "editor.tabSize": 2, "editor.tabSize": 4, "mcp.servers": { "pm": { "command": "npx", "args": ["-y", "pkg"] } } }""";
        var path = dir.Write("home/.config/Code/User/settings.json", duplicated);
        Func<string, string?> env = n => n switch { "HOME" => Path.Combine(dir.Path, "home"), "MCPGUARD_HOME" => Path.Combine(dir.Path, "data"), _ => null };

        var result = await CliHarness.RunAsync(["install", "--client", "vscode"], env, dir.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: not valid JSON (", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Equal(duplicated, File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
