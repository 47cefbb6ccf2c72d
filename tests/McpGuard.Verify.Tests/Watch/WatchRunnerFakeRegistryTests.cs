using System.Net;
using System.Text.Json.Nodes;
using McpGuard.Core.Reports;
using McpGuard.TestSupport;
using McpGuard.TestSupport.FakeApis;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

/// <summary>
/// The watch cycle against a scripted registry (Kestrel on 127.0.0.1): account and provenance signals, garbage,
/// 404, integrity mismatches, 503s, an unreachable registry, ETag caching, and the webhook.
/// </summary>
public sealed class WatchRunnerFakeRegistryTests : IAsyncLifetime
{
    private readonly TempDirectory _work = new("mcpguard-watch-fake");
    private FakeNpmRegistry _registry = null!;

    public async ValueTask InitializeAsync() => _registry = await FakeNpmRegistry.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        _work.Dispose();
    }

    private (WatchRunner Runner, CollectingSink Sink, HttpClient Http) Runner(WatchOptions? options = null, string? statePath = null, TimeProvider? time = null)
    {
        options ??= WatchTestSupport.Options(_registry.Url);
        var sink = new CollectingSink();
        var http = WatchHttp.CreateClient(options);
        return (WatchRunner.Create(options, http, [sink], statePath, time: time), sink, http);
    }

    [Fact]
    public async Task Cycle_NewPublisherAndLostProvenance_BlocksWithBothReasons()
    {
        WatchTestSupport.Serve(_registry, _work, "acct-pkg",
            new FakeVersion("1.0.0") { Attested = true, Age = TimeSpan.FromDays(90) },
            new FakeVersion("1.0.1") { Publisher = "mallory", Maintainers = ["alice", "mallory"], Age = TimeSpan.FromDays(30) });
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("acct-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal(WatchEvent.VersionType, e.Type);
            Assert.Equal("1.0.1", e.Version);
            Assert.Equal("block", e.Verdict);
            Assert.Contains("MCPG800", e.Rules());
            Assert.Contains("MCPG801", e.Rules());
            Assert.Contains("MCPG802", e.Rules());
            Assert.Contains("mallory", e.Reasons.First(r => r.RuleId == "MCPG800").Message);
            Assert.Equal(ExitCodes.Findings, result.ExitCode);
        }
    }

    [Fact]
    public async Task Cycle_HonestOldVersionSameAccount_IsOkAndExitsZero()
    {
        WatchTestSupport.Serve(_registry, _work, "calm-pkg", new FakeVersion("1.0.0") { Attested = true, Age = TimeSpan.FromDays(90) }, new FakeVersion("1.0.1") { Attested = true });
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("calm-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal("ok", e.Verdict);
            Assert.Empty(e.Reasons);
            Assert.Equal(ExitCodes.Ok, result.ExitCode);
        }
    }

    [Fact]
    public async Task Cycle_FreshVersionsInABurst_RaisedToReviewByCooldownAndBurst()
    {
        WatchTestSupport.Serve(_registry, _work, "fresh-pkg",
            new FakeVersion("1.0.0") { Age = TimeSpan.FromDays(90) },
            new FakeVersion("1.0.1") { Age = TimeSpan.FromHours(5) },
            new FakeVersion("1.0.2") { Age = TimeSpan.FromHours(3) },
            new FakeVersion("1.0.3") { Age = TimeSpan.FromHours(1) });
        var (runner, _, http) = Runner(WatchTestSupport.Options(_registry.Url) with { Cooldown = TimeSpan.FromDays(7), BurstCount = 3 });
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("fresh-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            Assert.Equal(["1.0.1", "1.0.2", "1.0.3"], result.Events.Select(e => e.Version));
            Assert.All(result.Events, e => Assert.Equal("review", e.Verdict));
            Assert.All(result.Events, e => Assert.Contains("MCPG804", e.Rules()));
            Assert.DoesNotContain("MCPG803", result.Events[0].Rules());
            Assert.DoesNotContain("MCPG803", result.Events[1].Rules());
            Assert.Contains("MCPG803", result.Events[2].Rules());
        }
    }

    [Fact]
    public async Task Cycle_GarbageAnd404AndGood_EachGetsItsEventAndTheCycleGoesOn()
    {
        _registry.SetRaw("garbage-pkg", "<html>502 Bad Gateway, but with a 200</html>");
        _registry.SetRaw("wrongtype-pkg", """{ "name": "wrongtype-pkg", "versions": { "1.0.1": { "dist": 42 } } }""");
        _registry.SetStatus("gone-pkg", 404);
        WatchTestSupport.Serve(_registry, _work, "good-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"));
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync(
                [WatchTestSupport.Locked("garbage-pkg", "1.0.0"), WatchTestSupport.Locked("gone-pkg", "1.0.0"), WatchTestSupport.Locked("good-pkg", "1.0.0"), WatchTestSupport.Locked("wrongtype-pkg", "1.0.0")],
                TestContext.Current.CancellationToken);

            var garbage = Assert.Single(result.Events, e => e.Package == "garbage-pkg");
            Assert.Equal((WatchEvent.ErrorType, "MCPG811"), (garbage.Type, garbage.RuleId));
            Assert.Contains("not JSON", garbage.Summary);
            var wrongType = Assert.Single(result.Events, e => e.Package == "wrongtype-pkg");
            Assert.Equal("MCPG811", wrongType.RuleId);
            var gone = Assert.Single(result.Events, e => e.Package == "gone-pkg");
            Assert.Equal(("MCPG813", "review"), (gone.RuleId, gone.Verdict));
            Assert.Equal("ok", Assert.Single(result.Events, e => e.Package == "good-pkg").Verdict);
            Assert.Equal(ExitCodes.Findings, result.ExitCode);
        }
    }

    [Fact]
    public async Task Cycle_TarballNotMatchingPublishedIntegrity_BlocksAndIsNotAnalysed()
    {
        var other = FakeNpmRegistry.Sha512([1, 2, 3]);
        WatchTestSupport.Serve(_registry, _work, "swap-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1", WatchFixtureKind.HiddenBcc) { WrongIntegrity = other });
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("swap-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal(("block", "MCPG812"), (e.Verdict, e.RuleId));

            // The diff never ran on the unverified bytes: no MCPG400 although they hold a Bcc.
            Assert.DoesNotContain("MCPG400", e.Rules());
        }
    }

    [Fact]
    public async Task Cycle_ApprovedTarballChangedSinceLock_BlocksAgainstTheLockIntegrity()
    {
        WatchTestSupport.Serve(_registry, _work, "relock-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"));
        var (runner, _, http) = Runner();
        using (http)
        {
            var lockIntegrity = FakeNpmRegistry.Sha512([9, 9, 9]);
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("relock-pkg", "1.0.0", lockIntegrity)], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal(("block", "MCPG812", (string?)null), (e.Verdict, e.RuleId, e.Version));
            Assert.Contains("approved relock-pkg@1.0.0", e.Summary);
            Assert.Contains("integrity in your lock", e.Summary);
        }
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Cycle_RegistryFailsTwiceThenOk_RetriedPolitelyAndReviewed(int status)
    {
        WatchTestSupport.Serve(_registry, _work, "flaky-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"));
        _registry.FailNext("flaky-pkg", 2, status);
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("flaky-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            Assert.Equal("ok", Assert.Single(result.Events).Verdict);
            Assert.Equal(3, _registry.Requests.Count(r => r.StartsWith("GET /flaky-pkg", StringComparison.Ordinal) && !r.Contains(".tgz", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Cycle_RegistryKeeps503_ErrorEventExitTwoAfterBoundedRetries()
    {
        WatchTestSupport.Serve(_registry, _work, "down-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"));
        _registry.FailNext("down-pkg", 100);
        var (runner, _, http) = Runner();
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("down-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal((WatchEvent.ErrorType, "MCPG810", (string?)null), (e.Type, e.RuleId, e.Verdict));
            Assert.True(result.RegistryDown);
            Assert.Equal(ExitCodes.UsageError, result.ExitCode);
            Assert.Equal(3, _registry.Requests.Count(r => r.StartsWith("GET /down-pkg", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Cycle_NothingListening_UnreachableEventWithoutCredentials()
    {
        var port = FreePort();
        var options = WatchTestSupport.Options(new Uri($"http://watcher:s3cretpw@127.0.0.1:{port}/"));
        var (runner, _, http) = Runner(options);
        using (http)
        {
            var result = await runner.RunCycleAsync([WatchTestSupport.Locked("any-pkg", "1.0.0")], TestContext.Current.CancellationToken);

            var e = Assert.Single(result.Events);
            Assert.Equal("MCPG810", e.RuleId);
            Assert.DoesNotContain("s3cretpw", e.ToJson().ToJsonString());
            Assert.Equal($"http://127.0.0.1:{port}/", e.Registry);
        }
    }

    [Fact]
    public async Task SecondCycle_SendsIfNoneMatchAndReportsNothingNew_EvenFromAFreshProcess()
    {
        WatchTestSupport.Serve(_registry, _work, "etag-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1", WatchFixtureKind.HiddenBcc));
        var state = Path.Combine(_work.Path, "state", "state.json");
        var target = WatchTestSupport.Locked("etag-pkg", "1.0.0");
        var (first, _, http1) = Runner(statePath: state);
        using (http1)
        {
            var r1 = await first.RunCycleAsync([target], TestContext.Current.CancellationToken);
            Assert.Equal("block", Assert.Single(r1.Events).Verdict);
            var r2 = await first.RunCycleAsync([target], TestContext.Current.CancellationToken);
            Assert.Empty(r2.Events);
        }

        var (second, _, http2) = Runner(statePath: state);
        using (http2)
        {
            var r3 = await second.RunCycleAsync([target], TestContext.Current.CancellationToken);
            Assert.Empty(r3.Events);
        }

        var polls = _registry.Requests.Where(r => r.StartsWith("GET /etag-pkg ", StringComparison.Ordinal) || r == "GET /etag-pkg").ToList();
        Assert.Equal(3, polls.Count);
        Assert.DoesNotContain("\"", polls[0]);
        Assert.Contains("\"", polls[1]);
        Assert.Contains("\"", polls[2]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(state)!));
        }
    }

    [Fact]
    public async Task Cycle_LockMovedToNewBaseline_ReviewsAgainAgainstTheNewOne()
    {
        WatchTestSupport.Serve(_registry, _work, "move-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"), new FakeVersion("1.0.2", WatchFixtureKind.HiddenBcc) { Age = TimeSpan.FromDays(10) });
        var (runner, _, http) = Runner(statePath: Path.Combine(_work.Path, "move-state.json"));
        using (http)
        {
            var r1 = await runner.RunCycleAsync([WatchTestSupport.Locked("move-pkg", "1.0.0")], TestContext.Current.CancellationToken);
            Assert.Equal(["1.0.1", "1.0.2"], r1.Events.Select(e => e.Version));
            var r2 = await runner.RunCycleAsync([WatchTestSupport.Locked("move-pkg", "1.0.1")], TestContext.Current.CancellationToken);

            var e = Assert.Single(r2.Events);
            Assert.Equal(("1.0.2", "1.0.1", "block"), (e.Version, e.Baseline, e.Verdict));
        }
    }

    [Fact]
    public async Task Webhook_ReceiverGetsEveryEventAsJson_AndASlowReceiverNeverBlocksTheLoop()
    {
        await using var receiver = await WebhookReceiver.StartAsync(hold: true, TestContext.Current.CancellationToken);
        WatchTestSupport.Serve(_registry, _work, "hook-pkg", new FakeVersion("1.0.0"), new FakeVersion("1.0.1"), new FakeVersion("1.0.2", WatchFixtureKind.HiddenBcc));
        var failures = new List<string>();
        var notifier = new WebhookNotifier(new Uri(receiver.Url, "hooks/T000/B000/XXXXsecretXXXX"), failures.Add, new WebhookOptions { RetryDelay = TimeSpan.FromMilliseconds(20) });
        var options = WatchTestSupport.Options(_registry.Url);
        using var http = WatchHttp.CreateClient(options);
        var runner = WatchRunner.Create(options, http, [notifier], null);

        // The receiver holds every request until released: the cycle must still finish.
        var result = await runner.RunCycleAsync([WatchTestSupport.Locked("hook-pkg", "1.0.0")], TestContext.Current.CancellationToken);
        Assert.Equal(2, result.Events.Count);
        receiver.Release();
        await notifier.DisposeAsync();
        var received = receiver.Bodies.Select(b => (JsonObject)JsonNode.Parse(b)!).ToList();

        Assert.Empty(failures);
        Assert.Equal(["1.0.1", "1.0.2"], received.Select(r => r["version"]!.GetValue<string>()).Order());
        Assert.Equal("block", received.Single(r => r["version"]!.GetValue<string>() == "1.0.2")["verdict"]!.GetValue<string>());
        Assert.Equal(2, notifier.Delivered);
    }

    [Fact]
    public async Task Webhook_ReceiverDown_FailureReportedWithHostOnlyAfterRetries()
    {
        var port = FreePort();
        var failures = new List<string>();
        var notifier = new WebhookNotifier(new Uri($"http://127.0.0.1:{port}/hooks/XXXXsecretXXXX?token=abc123secret"), m => { lock (failures) { failures.Add(m); } },
            new WebhookOptions { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetries = 2 });
        var started = DateTime.UtcNow;
        await notifier.PublishAsync(new WatchEvent { Type = WatchEvent.VersionType, Time = DateTimeOffset.UtcNow, Registry = "r", Package = "p", Version = "1.0.1", Summary = "s" }, TestContext.Current.CancellationToken);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1), "publishing must not wait for the receiver");
        await notifier.DisposeAsync();

        var failure = Assert.Single(failures);
        Assert.Contains($"127.0.0.1:{port}", failure);
        Assert.DoesNotContain("secret", failure, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, notifier.Failed);
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
