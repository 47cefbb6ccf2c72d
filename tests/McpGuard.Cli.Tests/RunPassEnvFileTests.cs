using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// `run --pass-env-file FILE`: the names come from the file, the values from run's own environment (never from the
/// file), a bad line is skipped with its line number only, and a missing file refuses the start (exit 2).
/// </summary>
public sealed class RunPassEnvFileTests
{
    [Fact]
    public async Task Run_PassEnvFile_PassesTheNamedVariablesFromItsEnvironment_NeverTheFilesValues_AndWarnsByLineOnly()
    {
        using var dir = new TempDirectory();
        var probe = Path.Combine(dir.Path, "env.json");
        // The server writes the variables it was given, then waits for stdin to close (the client leaving).
        var script = dir.Write("server.js", $$"""
            const e = process.env;
            require('node:fs').writeFileSync({{System.Text.Json.JsonSerializer.Serialize(probe)}}, JSON.stringify({ token: e.API_TOKEN ?? null, fileOnly: e.ONLY_IN_FILE ?? null, unlisted: e.UNLISTED_SECRET ?? null }));
            process.stdin.resume();
            process.stdin.on('end', () => process.exit(0));
            """);
        dir.Write("project/.env", "API_TOKEN=value-in-the-file\nbad-name=piece-of-a-secret\nONLY_IN_FILE=file-value\n");
        var env = new Dictionary<string, string>
        {
            ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "data"),
            ["API_TOKEN"] = "value-the-client-set",
            ["UNLISTED_SECRET"] = "not-in-the-file",
        };

        var (code, _, stderr) = await ProcessRunner.RunAsync(
            "dotnet",
            [RepoPaths.McpGuardDll, "run", "--sandbox", "none", "--audit", Path.Combine(dir.Path, "audit.db"), "--pass-env-file", "project/.env", "--", "node", script],
            env, dir.Path, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(File.Exists(probe), $"server did not start: exit {code}: {stderr}");
        var seen = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(probe))!;
        Assert.Equal("value-the-client-set", (string?)seen["token"]);
        Assert.Null((string?)seen["fileOnly"]); // named in the file, but the client did not set it: not passed
        Assert.Null((string?)seen["unlisted"]);
        Assert.Contains($"--pass-env-file {Path.Combine(dir.Path, "project", ".env")}: line 2 not passed: not a valid environment variable name", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("bad-name", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("piece-of-a-secret", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("value-in-the-file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PassEnvFileThatIsMissing_RefusesToStart_Exit2_NamingTheFile()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "workspace", ".env");

        var run = await CliHarness.RunAsync(
            ["run", "--sandbox", "none", "--audit", Path.Combine(dir.Path, "audit.db"), "--pass-env-file", missing, "--", "node", "-e", "process.exit(0)"],
            n => n == "MCPGUARD_HOME" ? Path.Combine(dir.Path, "data") : null,
            dir.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--pass-env-file {missing}: file not found", run.Error, StringComparison.Ordinal);
    }
}
