using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

public sealed class ScanCliTests
{
    private static string SampleHome => Path.Combine(RepoPaths.Root, "samples", "home");

    // An isolated intel store, so an import on this machine never changes what the tests see.
    private static Func<string, string?> Env(string dataDir) => n => n == "MCPGUARD_HOME" ? dataDir : null;

    [Fact]
    public async Task Scan_SampleHome_TableExitsOneAndNamesPostmark()
    {
        using var data = new TempDirectory();
        var r = await CliHarness.RunAsync(["scan", "--home", SampleHome], Env(data.Path));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("postmark", r.Out, StringComparison.Ordinal);
        Assert.Contains("MAL-2025-47604", r.Out, StringComparison.Ordinal);
        Assert.Contains("mcp.json:7", r.Out, StringComparison.Ordinal);
        Assert.Contains("8 server(s)", r.Out, StringComparison.Ordinal);
        Assert.Contains("7 MCP config file(s)", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_Json_StdoutIsOnlyTheReport()
    {
        using var data = new TempDirectory();
        var r = await CliHarness.RunAsync(["scan", "--home", SampleHome, "--format", "json"], Env(data.Path));

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Error);
        var doc = JsonNode.Parse(r.Out)!;
        Assert.Equal(8, (int)doc["summary"]!["servers"]!);
        var postmark = doc["servers"]!.AsArray().Single(s => (string?)s!["name"] == "postmark")!;
        Assert.Equal("1.0.16", (string?)postmark["package"]!["version"]);
        Assert.False((bool)postmark["package"]!["pinned"]!);
        Assert.Equal("critical", (string?)doc["findings"]![0]!["severity"]);
    }

    [Fact]
    public async Task Scan_FailOnCritical_CleanHomeExitsZero_AndFindingsBelowThresholdExitZero()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", """{ "mcpServers": { "ok": { "command": "npx", "args": ["-y", "good-mcp@1.2.3"] } } }""");
        Assert.Equal(0, (await CliHarness.RunAsync(["scan", "--home", home.Path], Env(data.Path))).ExitCode);

        home.Write(".kiro/settings/mcp.json", """{ "mcpServers": { "loose": { "command": "npx", "args": ["-y", "loose-mcp"] } } }""");
        Assert.Equal(0, (await CliHarness.RunAsync(["scan", "--home", home.Path], Env(data.Path))).ExitCode);
        Assert.Equal(1, (await CliHarness.RunAsync(["scan", "--home", home.Path, "--fail-on", "medium"], Env(data.Path))).ExitCode);
    }

    [Fact]
    public async Task Scan_OutputFile_WritesSarifAndKeepsStdoutClean()
    {
        using var data = new TempDirectory();
        using var outDir = new TempDirectory();
        var file = Path.Combine(outDir.Path, "nested", "scan.sarif");

        var r = await CliHarness.RunAsync(["scan", "--home", SampleHome, "--format", "sarif", "--output", file], Env(data.Path));

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Out);
        var sarif = JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal("2.1.0", (string?)sarif["version"]);
        Assert.NotEmpty(sarif["runs"]![0]!["results"]!.AsArray());
    }

    [Fact]
    public async Task Scan_MissingHomeOrConfig_ExitsTwoNamingThePath()
    {
        using var data = new TempDirectory();
        var missing = Path.Combine(data.Path, "no-such-home");
        var r = await CliHarness.RunAsync(["scan", "--home", missing], Env(data.Path));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(missing, r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.Trim().Split('\n'));

        var r2 = await CliHarness.RunAsync(["scan", "--home", SampleHome, "--config", missing + ".json"], Env(data.Path));
        Assert.Equal(2, r2.ExitCode);
        Assert.Contains(missing + ".json", r2.Error, StringComparison.Ordinal);

        var r3 = await CliHarness.RunAsync(["scan", "--home", SampleHome, "--osv", missing], Env(data.Path));
        Assert.Equal(2, r3.ExitCode);
        Assert.Contains(missing, r3.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ExtraConfig_IsScanned()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        var cfg = home.Write("elsewhere/team.json", """{ "mcpServers": { "teamsrv": { "url": "http://mcp.team.example/mcp" } } }""");

        var r = await CliHarness.RunAsync(["scan", "--home", home.Path, "--config", cfg, "--format", "json"], Env(data.Path));

        Assert.Equal(1, r.ExitCode);
        var server = JsonNode.Parse(r.Out)!["servers"]![0]!;
        Assert.Equal(("config", "teamsrv"), ((string?)server["client"], (string?)server["name"]));
        Assert.Equal("MCPG103", (string?)server["findings"]![0]!["ruleId"]);
    }

    [Fact]
    public async Task IntelImport_ThenScan_UsesImportedAdvisories()
    {
        using var data = new TempDirectory();
        using var osv = new TempDirectory();
        using var home = new TempDirectory();
        osv.Write("npm/evil-mcp/MAL-2099-1.json", """{ "id": "MAL-2099-1", "summary": "Malicious code in evil-mcp (npm)", "affected": [ { "package": { "ecosystem": "npm", "name": "evil-mcp" }, "versions": ["2.0.0"] } ] }""");
        home.Write(".cursor/mcp.json", """{ "mcpServers": { "e": { "command": "npx", "args": ["evil-mcp@2.0.0"], "env": { "EVIL_API_KEY": "${env:K}" } } } }""");

        var before = await CliHarness.RunAsync(["scan", "--home", home.Path, "--format", "json"], Env(data.Path));
        Assert.Equal(0, before.ExitCode);

        var import = await CliHarness.RunAsync(["intel", "import", osv.Path], Env(data.Path));
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("Imported 1 advisories", import.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data.Path, "intel", "imported.json")));

        var after = await CliHarness.RunAsync(["scan", "--home", home.Path, "--format", "json"], Env(data.Path));
        Assert.Equal(1, after.ExitCode);
        var finding = JsonNode.Parse(after.Out)!["findings"]![0]!;
        Assert.Equal(("MCPG101", "MAL-2099-1"), ((string?)finding["ruleId"], (string?)finding["evidence"]!["advisory"]));
        Assert.Contains("EVIL_API_KEY", (string?)finding["remediation"], StringComparison.Ordinal);

        var status = await CliHarness.RunAsync(["intel", "status"], Env(data.Path));
        Assert.Contains("Imported: 1 advisories", status.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_OsvOption_MatchesCorpusWithoutImport()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", """{ "mcpServers": { "h": { "command": "npx", "args": ["hrdebjywvtkmcpga@1.0.0"] } } }""");

        var r = await CliHarness.RunAsync(["scan", "--home", home.Path, "--osv", Path.Combine(RepoPaths.Corpus, "osv"), "--format", "json"], Env(data.Path));

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("MCPG101", (string?)JsonNode.Parse(r.Out)!["findings"]![0]!["ruleId"]);
    }
}

public sealed class InstallCliTests
{
    [Fact]
    public async Task Install_ThenScan_ServersAreGuarded_AndUndoReverts()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        home.Write(".codeium/windsurf/mcp_config.json", """{ "mcpServers": { "w": { "command": "npx", "args": ["-y", "w-mcp@1.0.0"] } } }""");
        Func<string, string?> env = n => n == "MCPGUARD_HOME" ? data.Path : null;

        var install = await CliHarness.RunAsync(["install", "--client", "windsurf", "--home", home.Path], env);
        Assert.Equal(0, install.ExitCode);
        Assert.Contains("guarded w in", install.Out, StringComparison.Ordinal);
        Assert.Contains("backup: ", install.Out, StringComparison.Ordinal);

        var scan = await CliHarness.RunAsync(["scan", "--home", home.Path, "--format", "json"], env);
        Assert.True((bool)JsonNode.Parse(scan.Out)!["servers"]![0]!["guarded"]!);

        var again = await CliHarness.RunAsync(["install", "--client", "windsurf", "--home", home.Path], env);
        Assert.Contains("nothing to change", again.Out, StringComparison.Ordinal);

        var undo = await CliHarness.RunAsync(["install", "--client", "windsurf", "--home", home.Path, "--undo"], env);
        Assert.Contains("unguarded w in", undo.Out, StringComparison.Ordinal);
        var after = await CliHarness.RunAsync(["scan", "--home", home.Path, "--format", "json"], env);
        Assert.False((bool)JsonNode.Parse(after.Out)!["servers"]![0]!["guarded"]!);

        var bad = await CliHarness.RunAsync(["install", "--client", "nope", "--home", home.Path], env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("nope", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_Codex_ThenScan_ServersAreGuarded_CommentsKept_AndUndoRestoresTheFile()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        const string original = """
            # my codex config
            [mcp_servers.c] # the c server
            command = "npx"
            args = ["-y", "c-mcp@1.0.0"]   # pinned
            env = { TOKEN = "${TOKEN}" }
            """;
        var path = home.Write(".codex/config.toml", original);
        Func<string, string?> env = n => n == "MCPGUARD_HOME" ? data.Path : null;

        var install = await CliHarness.RunAsync(["install", "--client", "codex", "--home", home.Path], env);
        Assert.Equal(0, install.ExitCode);
        Assert.Contains("guarded c in " + path, install.Out, StringComparison.Ordinal);
        Assert.Equal(original.Replace("command = \"npx\"\nargs = [", "command = \"mcpguard\"\nargs = [\"run\", \"--pass-env\", \"TOKEN\", \"--\", \"npx\", ", StringComparison.Ordinal), File.ReadAllText(path));

        var scan = await CliHarness.RunAsync(["scan", "--home", home.Path, "--format", "json"], env);
        var server = JsonNode.Parse(scan.Out)!["servers"]![0]!;
        Assert.Equal("codex", (string?)server["client"]);
        Assert.True((bool)server["guarded"]!);

        var again = await CliHarness.RunAsync(["install", "--client", "codex", "--home", home.Path], env);
        Assert.Contains("nothing to change", again.Out, StringComparison.Ordinal);

        var undo = await CliHarness.RunAsync(["install", "--client", "codex", "--home", home.Path, "--undo"], env);
        Assert.Contains("unguarded c in", undo.Out, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public async Task Install_Codex_BrokenToml_IsNamed_AndLeftByteIdentical()
    {
        using var data = new TempDirectory();
        using var home = new TempDirectory();
        const string broken = "[mcp_servers.c]\ncommand = \"npx\"\nargs = [\"-y\", \"c-mcp\"\n";
        var path = home.Write(".codex/config.toml", broken);

        var r = await CliHarness.RunAsync(["install", "--client", "codex", "--home", home.Path], n => n == "MCPGUARD_HOME" ? data.Path : null);

        Assert.Contains($"note: {path}:", r.Error, StringComparison.Ordinal);
        Assert.Contains("not valid TOML, left unchanged", r.Error, StringComparison.Ordinal);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"error: {path} could not be read or parsed and was left unchanged", r.Error, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
