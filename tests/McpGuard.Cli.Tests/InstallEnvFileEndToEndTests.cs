using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// The point of --pass-env-file in install: a VS Code server entry whose variables come from an envFile, installed,
/// then the launch line install wrote run as VS Code runs it (<c>${workspaceFolder}</c> substituted in args and
/// envFile, the file's variables set for the process, a PATH where `mcpguard` is found) under the default sandbox
/// (auto: bubblewrap): the server sees the file's variables, and still nothing else of the client's environment. The
/// same line without --pass-env-file (what install wrote before) is run too, as the control: the server loses them.
/// </summary>
public sealed class InstallEnvFileEndToEndTests
{
    private static readonly JsonSerializerOptions s_editorFormat = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Install_VsCodeEntryWithEnvFile_RunAsVsCodeRunsIt_ServerSeesTheFilesVariables_AndUndoRestoresTheFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(Path.Combine(dir.Path, "home")).FullName;
        var workspace = Directory.CreateDirectory(Path.Combine(dir.Path, "workspace")).FullName;
        var data = Path.Combine(dir.Path, "data");
        var (bin, server) = InstallPassEnvEndToEndTests.WriteShimAndServer(dir);
        dir.Write("workspace/.env", "# the project's secrets\nPOSTMARK_SERVER_TOKEN=token-from-env-file\nexport DEFAULT_SENDER_EMAIL=\"me@example.test\"\n");
        var configPath = Path.Combine(home, ".config", "Code", "User", "mcp.json");
        Directory.CreateDirectory(Path.GetDirectoryName(configPath)!);
        // Install splices only the values, so undo gives back the very bytes.
        var original = new JsonObject
        {
            ["servers"] = new JsonObject
            {
                ["pm"] = new JsonObject
                {
                    ["type"] = "stdio",
                    ["command"] = "node",
                    ["args"] = new JsonArray(server),
                    ["envFile"] = "${workspaceFolder}/.env",
                },
            },
        }.ToJsonString(s_editorFormat) + "\n";
        File.WriteAllText(configPath, original);
        Func<string, string?> cliEnv = n => n == "MCPGUARD_HOME" ? data : null;

        var install = await CliHarness.RunAsync(["install", "--client", "vscode", "--home", home], cliEnv);
        Assert.True(install.ExitCode == 0, install.Error);
        Assert.DoesNotContain("envFile", install.Error, StringComparison.Ordinal); // no note: nothing is lost any more

        var entry = JsonNode.Parse(File.ReadAllText(configPath))!["servers"]!["pm"]!;
        var command = (string)entry["command"]!;
        var args = entry["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("mcpguard", command);
        Assert.Equal(["run", "--pass-env-file", "${workspaceFolder}/.env", "--", "node", server], args);
        Assert.Equal("${workspaceFolder}/.env", (string?)entry["envFile"]);

        // VS Code's side: ${workspaceFolder} resolved in the whole launch (args and envFile alike), the envFile's
        // variables set for the process it starts, on top of its own environment.
        string Resolve(string s) => s.Replace("${workspaceFolder}", workspace, StringComparison.Ordinal);
        var launchArgs = args.Select(Resolve).ToList();
        Assert.True(File.Exists(Resolve((string)entry["envFile"]!)));
        var environment = new Dictionary<string, string?>
        {
            ["POSTMARK_SERVER_TOKEN"] = "token-from-env-file",
            ["DEFAULT_SENDER_EMAIL"] = "me@example.test",
            ["UNLISTED_SECRET"] = "not-in-the-env-file",
            ["PATH"] = Path.GetDirectoryName(bin) + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = home,
            ["MCPGUARD_HOME"] = data,
        };

        var seen = await InstallPassEnvEndToEndTests.CallEnvToolAsync(command, launchArgs, environment, workspace, ct);

        Assert.Equal("token-from-env-file", (string?)seen["token"]);
        Assert.Equal("me@example.test", (string?)seen["sender"]);
        Assert.Null((string?)seen["unlisted"]);
        Assert.Equal("1", (string?)seen["sandbox"]);

        // The control: the same launch without --pass-env-file, as install wrote it before, loses the file's variables.
        List<string> withoutPassEnvFile = ["run", "--", "node", server];
        var before = await InstallPassEnvEndToEndTests.CallEnvToolAsync(command, withoutPassEnvFile, environment, workspace, ct);
        Assert.Null((string?)before["token"]);
        Assert.Null((string?)before["sender"]);
        Assert.Equal("1", (string?)before["sandbox"]);

        var undo = await CliHarness.RunAsync(["install", "--client", "vscode", "--home", home, "--undo"], cliEnv);
        Assert.True(undo.ExitCode == 0, undo.Error);
        Assert.Equal(original, File.ReadAllText(configPath));
    }
}
