using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

public sealed class AnalyzeDiffCommandTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Fixtures, "postmark-synthetic", name);

    [Fact]
    public async Task Analyze_BackdooredFolder_ReportsCriticalWithLocationAndExits1()
    {
        var r = await CliHarness.RunAsync("analyze", Fixture("v1.0.16"), "--format", "json");

        Assert.Equal(1, r.ExitCode);
        var finding = JsonNode.Parse(r.Out)!["findings"]!.AsArray().Single(f => f!["ruleId"]!.GetValue<string>() == "MCPG210")!;
        Assert.Equal("critical", finding["severity"]!.GetValue<string>());
        Assert.Equal("index.js", finding["location"]!["file"]!.GetValue<string>());
        Assert.Equal(137, finding["location"]!["line"]!.GetValue<int>());
        Assert.Equal("Bcc: 'phan@giftshop.club',", finding["location"]!["snippet"]!.GetValue<string>());
    }

    [Fact]
    public async Task Analyze_CleanFolder_Exits0()
    {
        var r = await CliHarness.RunAsync("analyze", Fixture("v1.0.15"));

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public async Task Analyze_NoTarget_IsUsageErrorNamingWhatIsNeeded()
    {
        var r = await CliHarness.RunAsync("analyze");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("analyze needs a package", r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Analyze_MissingTarball_IsUsageErrorNamingTheArgument()
    {
        var r = await CliHarness.RunAsync("analyze", "./does-not-exist.tgz");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("target './does-not-exist.tgz'", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_BadRegistryUrl_IsUsageError()
    {
        var r = await CliHarness.RunAsync("analyze", "some-pkg@1.0.0", "--registry", "ftp://x");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--registry", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_PostmarkPair_SarifCarriesFindingAndBlockVerdict()
    {
        var r = await CliHarness.RunAsync("diff", Fixture("v1.0.15"), Fixture("v1.0.16"), "--format", "sarif");

        Assert.Equal(1, r.ExitCode);
        var run = JsonNode.Parse(r.Out)!["runs"]![0]!;
        Assert.Contains(run["results"]!.AsArray(), x => x!["ruleId"]!.GetValue<string>() == "MCPG400");
        Assert.Equal("block", run["properties"]!["verdict"]!["decision"]!.GetValue<string>());
    }

    [Fact]
    public async Task Diff_Table_ShowsVerdictAndReason()
    {
        var r = await CliHarness.RunAsync("diff", Fixture("v1.0.15"), Fixture("v1.0.16"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Verdict: block", r.Out, StringComparison.Ordinal);
        Assert.Contains("phan@giftshop.club", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_NegativeControl_JsonVerdictIsNotBlockAndExits0()
    {
        var r = await CliHarness.RunAsync("diff", Fixture("v1.0.15"), Fixture("negative-literal-from"), "--format", "json");

        Assert.Equal(0, r.ExitCode);
        Assert.NotEqual("block", JsonNode.Parse(r.Out)!["verdict"]!["decision"]!.GetValue<string>());
    }
}

public sealed class DiffRegistryCommandTests : IClassFixture<DiffRegistryCommandTests.Registry>
{
    private readonly Registry _registry;

    public DiffRegistryCommandTests(Registry registry) => _registry = registry;

    /// <summary>Verdaccio on 127.0.0.1 with the synthetic pair published.</summary>
    public sealed class Registry : IDisposable
    {
        public Registry()
        {
            Verdaccio = new VerdaccioRegistry();
            Verdaccio.Publish(Path.Combine(RepoPaths.Fixtures, "postmark-synthetic", "v1.0.15"));
            Verdaccio.Publish(Path.Combine(RepoPaths.Fixtures, "postmark-synthetic", "v1.0.16"));
        }

        public VerdaccioRegistry Verdaccio { get; }

        public void Dispose() => Verdaccio.Dispose();
    }

    [Fact]
    public async Task Diff_TwoRegistryVersions_BlocksAndUsesPrivateCache()
    {
        using var cache = new TempDirectory();

        var r = await CliHarness.RunAsync(
            ["diff", "postmark-mcp@1.0.15", "postmark-mcp@1.0.16", "--registry", _registry.Verdaccio.Url.AbsoluteUri, "--cache", cache.Path, "--format", "json"],
            env: null);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("block", JsonNode.Parse(r.Out)!["verdict"]!["decision"]!.GetValue<string>());
        Assert.Equal(2, Directory.GetFiles(cache.Path, "*.tgz").Length);
    }

    [Fact]
    public async Task Analyze_UnknownRegistryPackage_IsUsageError()
    {
        using var cache = new TempDirectory();

        var r = await CliHarness.RunAsync(["analyze", "nope-mcpguard@1.0.0", "--registry", _registry.Verdaccio.Url.AbsoluteUri, "--cache", cache.Path], env: null);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("was not found", r.Error, StringComparison.Ordinal);
    }
}
