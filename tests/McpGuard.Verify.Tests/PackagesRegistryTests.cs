using McpGuard.Core.Findings;
using McpGuard.TestSupport;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Tests;

public sealed class PackagesRegistryTests(PackagesRegistryFixture fixture) : IClassFixture<PackagesRegistryFixture>, IDisposable
{
    private readonly TempDirectory _cache = new("mcpguard-cache");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private PackageLoader Loader() => new(new NpmRegistryClient(_http, fixture.Registry.Url, new PackageCache(_cache.Path)));

    [Fact]
    public async Task Registry_ExactVersion_IsDownloadedVerifiedAndAnalysed()
    {
        var package = await Loader().LoadAsync("postmark-mcp@1.0.16", _cache.Path, TestContext.Current.CancellationToken);

        Assert.Equal("1.0.16", package.Version);
        Assert.StartsWith("sha512-", package.Integrity, StringComparison.Ordinal);
        Assert.Contains(package.Files, f => f.Path == "index.js");
        var analysis = new PackageAnalyzer().Analyze(package, TestContext.Current.CancellationToken);
        Assert.Contains(analysis.Findings, f => f.RuleId == "MCPG210" && f.Severity == Severity.Critical);
    }

    [Fact]
    public async Task Registry_NoVersion_ResolvesLatestDistTag()
    {
        var package = await Loader().LoadAsync("postmark-mcp", _cache.Path, TestContext.Current.CancellationToken);

        Assert.Equal("1.0.16", package.Version);
    }

    [Fact]
    public async Task Registry_TamperedTarball_IsRefusedBeforeUse()
    {
        var ex = await Assert.ThrowsAsync<PackageLoadException>(() =>
            Loader().LoadAsync(PackagesRegistryFixture.TamperedName + "@1.0.0", _cache.Path, TestContext.Current.CancellationToken));

        Assert.True(ex.IntegrityFailure);
        Assert.Contains("does not match its published integrity", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_cache.Path, "*.tgz", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("no-such-package-mcpguard@1.0.0", "was not found")]
    [InlineData("postmark-mcp@9.9.9", "version '9.9.9'")]
    public async Task Registry_UnknownPackageOrVersion_FailsWithClearMessage(string spec, string expected)
    {
        var ex = await Assert.ThrowsAsync<PackageLoadException>(() => Loader().LoadAsync(spec, _cache.Path, TestContext.Current.CancellationToken));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IntegrityFailure);
    }

    [Fact]
    public async Task Registry_Cache_IsContentAddressedAndCorruptEntryIsReplaced()
    {
        await Loader().LoadAsync("postmark-mcp@1.0.15", _cache.Path, TestContext.Current.CancellationToken);
        var cached = Assert.Single(Directory.EnumerateFiles(_cache.Path, "*.tgz"));
        File.WriteAllBytes(cached, [1, 2, 3]);

        var again = await Loader().LoadAsync("postmark-mcp@1.0.15", _cache.Path, TestContext.Current.CancellationToken);

        Assert.Equal("1.0.15", again.Version);
        Assert.Equal(again.Integrity, SriIntegrity.Sha512Of(File.ReadAllBytes(cached)));
    }

    [Fact]
    public async Task Registry_DiffOfTwoPublishedVersions_BlocksTheBccUpdate()
    {
        var loader = Loader();
        var ct = TestContext.Current.CancellationToken;
        var oldP = await loader.LoadAsync("postmark-mcp@1.0.15", _cache.Path, ct);
        var newP = await loader.LoadAsync("postmark-mcp@1.0.16", _cache.Path, ct);

        var result = await new PackageDiffer(new PackageAnalyzer(), loader).DiffAsync(oldP, newP, new DiffOptions { Deep = true }, ct);

        Assert.Equal("block", result.Verdict.Decision);
        var bcc = Assert.Single(result.Findings, f => f.RuleId == "MCPG400");
        Assert.Equal(137, bcc.Location!.Line);
    }

    [Fact]
    public async Task Registry_DiffRegistryVersions_IsTheOneCallEntryPointForWatch()
    {
        var result = await PackageDiffer.DiffRegistryVersionsAsync(Loader(), "postmark-mcp", "1.0.15", "1.0.16", new DiffOptions(), null, TestContext.Current.CancellationToken);

        Assert.Equal(("postmark-mcp@1.0.15", "postmark-mcp@1.0.16"), (result.OldName, result.NewName));
        Assert.Equal("block", result.Verdict.Decision);
    }

    [Fact]
    public async Task Registry_DeepDiff_AnalysesTheNewDependencyFromTheRegistry()
    {
        var loader = Loader();
        var ct = TestContext.Current.CancellationToken;
        var oldP = await loader.LoadAsync("mcpguard-deep-host@1.0.0", _cache.Path, ct);
        var newP = await loader.LoadAsync("mcpguard-deep-host@1.0.1", _cache.Path, ct);
        var differ = new PackageDiffer(new PackageAnalyzer(), loader);

        var shallow = await differ.DiffAsync(oldP, newP, new DiffOptions(), ct);
        var deep = await differ.DiffAsync(oldP, newP, new DiffOptions { Deep = true }, ct);

        Assert.Contains(shallow.Findings, f => f.RuleId == "MCPG403" && f.Message.Contains("mcpguard-deep-dep", StringComparison.Ordinal));
        Assert.DoesNotContain(shallow.Findings, f => f.RuleId == "MCPG406");
        var depFinding = Assert.Single(deep.Findings, f => f.RuleId == "MCPG406" && f.Evidence!["rule"]!.GetValue<string>() == "MCPG213");
        Assert.Equal(Severity.High, depFinding.Severity);
        Assert.Equal("mcpguard-deep-dep@1.2.0", depFinding.Evidence!["dependency"]!.GetValue<string>());
    }

    public void Dispose()
    {
        _http.Dispose();
        _cache.Dispose();
    }
}
