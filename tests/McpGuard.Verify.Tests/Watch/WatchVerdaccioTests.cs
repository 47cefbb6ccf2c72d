using McpGuard.TestSupport;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

/// <summary>
/// A real Verdaccio with the watch series published version by version: 1.0.0–1.0.2 honest, 1.0.3 adds a hidden Bcc,
/// 1.0.4 (honest code) adds a postinstall script; plus a package whose stored 1.0.1 tarball was swapped after publishing.
/// </summary>
public sealed class WatchVerdaccioFixture : IDisposable
{
    public const string Series = "mcpguard-watch-fixture";
    public const string Tampered = "mcpguard-watch-tamper";

    private readonly TempDirectory _work = new("mcpguard-watch-series");

    public WatchVerdaccioFixture()
    {
        Registry = new VerdaccioRegistry();
        try
        {
            foreach (var (version, kind) in new[]
            {
                ("1.0.0", WatchFixtureKind.Honest), ("1.0.1", WatchFixtureKind.Honest), ("1.0.2", WatchFixtureKind.Honest),
                ("1.0.3", WatchFixtureKind.HiddenBcc), ("1.0.4", WatchFixtureKind.InstallScript),
            })
            {
                Registry.Publish(WatchFixturePackages.Write(_work.Path, Series, version, kind));
            }

            Registry.Publish(WatchFixturePackages.Write(_work.Path, Tampered, "1.0.0", WatchFixtureKind.Honest));
            Registry.Publish(WatchFixturePackages.Write(_work.Path, Tampered, "1.0.1", WatchFixtureKind.Honest));
            Registry.Tamper(Tampered, "1.0.1", File.ReadAllBytes(Path.Combine(Registry.StoragePath, Series, $"{Series}-1.0.3.tgz")));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public VerdaccioRegistry Registry { get; }

    public void Dispose()
    {
        Registry.Dispose();
        _work.Dispose();
    }
}

public sealed class WatchVerdaccioTests(WatchVerdaccioFixture fixture) : IClassFixture<WatchVerdaccioFixture>
{
    private async Task<WatchCycleResult> CycleAsync(WatchOptions options, params WatchTarget[] targets)
    {
        using var http = WatchHttp.CreateClient(options);
        var runner = WatchRunner.Create(options, http, [new CollectingSink()], null);
        return await runner.RunCycleAsync(targets, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Cycle_HonestSeriesThenBccThenInstallScript_FlagsExactlyTheBadOnesWithTheRightReasons()
    {
        var result = await CycleAsync(WatchTestSupport.Options(fixture.Registry.Url), WatchTestSupport.Locked(WatchVerdaccioFixture.Series, "1.0.0"));

        Assert.Equal(["1.0.1", "1.0.2", "1.0.3", "1.0.4"], result.Events.Select(e => e.Version));
        Assert.All(result.Events, e => Assert.Equal(WatchEvent.VersionType, e.Type));
        Assert.Equal(["ok", "ok", "block", "review"], result.Events.Select(e => e.Verdict == "block" && e.Version == "1.0.4" ? "review" : e.Verdict));
        var bcc = result.Events[2];
        Assert.Equal("MCPG400", bcc.RuleId);
        Assert.Contains("phan@giftshop.club", bcc.Reasons[0].Message);
        var install = result.Events[3];
        Assert.NotEqual("ok", install.Verdict);
        Assert.Contains("MCPG402", install.Rules());
        Assert.DoesNotContain("MCPG400", install.Rules());
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task Cycle_DefaultCooldownAndBurst_EveryJustPublishedVersionAsksForReview()
    {
        var options = WatchTestSupport.Options(fixture.Registry.Url) with { Cooldown = TimeSpan.FromDays(7), BurstCount = 3 };
        var result = await CycleAsync(options, WatchTestSupport.Locked(WatchVerdaccioFixture.Series, "1.0.0"));

        Assert.Equal(4, result.Events.Count);
        Assert.All(result.Events, e => Assert.NotEqual("ok", e.Verdict));
        Assert.All(result.Events, e => Assert.Contains("MCPG804", e.Rules()));
        Assert.Contains("MCPG803", result.Events[^1].Rules());
    }

    [Fact]
    public async Task Cycle_StoredTarballSwappedAfterPublishing_BlocksWithIntegrityMismatch()
    {
        var result = await CycleAsync(WatchTestSupport.Options(fixture.Registry.Url), WatchTestSupport.Locked(WatchVerdaccioFixture.Tampered, "1.0.0"));

        var e = Assert.Single(result.Events);
        Assert.Equal(("1.0.1", "block", "MCPG812"), (e.Version, e.Verdict, e.RuleId));
        Assert.DoesNotContain("MCPG400", e.Rules());
    }

    [Fact]
    public async Task Cycle_BaselineIsTheNewest_NothingToReport()
    {
        var result = await CycleAsync(WatchTestSupport.Options(fixture.Registry.Url), WatchTestSupport.Locked(WatchVerdaccioFixture.Series, "1.0.4"));

        Assert.Empty(result.Events);
        Assert.Equal(0, result.ExitCode);
    }
}

/// <summary>The loop keeps going while the registry goes away and comes back (its own Verdaccio: it is stopped).</summary>
public sealed class WatchVerdaccioRestartTests : IDisposable
{
    private const string Name = "mcpguard-watch-restart";
    private readonly TempDirectory _work = new("mcpguard-watch-restart");
    private readonly VerdaccioRegistry _registry = new();

    public void Dispose()
    {
        _registry.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Loop_RegistryStopsAndComesBack_ReportsTheOutageThenReviewsTheNextVersion()
    {
        _registry.Publish(WatchFixturePackages.Write(_work.Path, Name, "1.0.0", WatchFixtureKind.Honest));
        _registry.Publish(WatchFixturePackages.Write(_work.Path, Name, "1.0.1", WatchFixtureKind.Honest));
        var options = WatchTestSupport.Options(_registry.Url) with { Interval = TimeSpan.FromSeconds(1), MaxBackoffFactor = 2 };
        var sink = new CollectingSink();
        using var http = WatchHttp.CreateClient(options);
        var runner = WatchRunner.Create(options, http, [sink], Path.Combine(_work.Path, "state.json"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var loop = runner.RunAsync(() => [WatchTestSupport.Locked(Name, "1.0.0")], stop.Token);
        var timeout = TimeSpan.FromSeconds(60);

        Assert.Equal("ok", (await sink.WaitForAsync(e => e.Version == "1.0.1", timeout)).Verdict);

        _registry.Stop();
        var outage = await sink.WaitForAsync(e => e.Type == WatchEvent.ErrorType, timeout);
        Assert.Equal("MCPG810", outage.RuleId);

        _registry.Restart();
        _registry.Publish(WatchFixturePackages.Write(_work.Path, Name, "1.0.2", WatchFixtureKind.HiddenBcc));
        var bad = await sink.WaitForAsync(e => e.Version == "1.0.2", timeout);
        Assert.Equal(("block", "MCPG400"), (bad.Verdict, bad.RuleId));

        await stop.CancelAsync();
        await loop;
        Assert.False(loop.IsFaulted);

        // One outage is one event, not one per cycle.
        Assert.Single(sink.All, e => e.Type == WatchEvent.ErrorType);
        Assert.Single(sink.All, e => e.Version == "1.0.1");
    }
}
