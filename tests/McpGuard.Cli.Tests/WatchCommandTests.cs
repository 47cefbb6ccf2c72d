using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Cli.Commands;
using McpGuard.TestSupport;
using McpGuard.TestSupport.FakeApis;

namespace McpGuard.Cli.Tests;

/// <summary>`mcpguard watch` end to end against a real Verdaccio with the watch series (honest 1.0.0–1.0.2, Bcc 1.0.3, install script 1.0.4).</summary>
public sealed class WatchCommandTests(WatchCommandTests.Registry registry) : IClassFixture<WatchCommandTests.Registry>, IDisposable
{
    private const string Series = "mcpguard-watch-cli";
    private readonly TempDirectory _dir = new("mcpguard-watch-cli");

    public sealed class Registry : IDisposable
    {
        private readonly TempDirectory _work = new("mcpguard-watch-cli-pkgs");

        public Registry()
        {
            Verdaccio = new VerdaccioRegistry();
            foreach (var (version, kind) in new[]
            {
                ("1.0.0", WatchFixtureKind.Honest), ("1.0.1", WatchFixtureKind.Honest), ("1.0.2", WatchFixtureKind.Honest),
                ("1.0.3", WatchFixtureKind.HiddenBcc), ("1.0.4", WatchFixtureKind.InstallScript),
            })
            {
                Verdaccio.Publish(WatchFixturePackages.Write(_work.Path, Series, version, kind));
            }

            using var http = new HttpClient();
            var packument = JsonNode.Parse(http.GetStringAsync(new Uri(Verdaccio.Url, Series)).GetAwaiter().GetResult())!;
            Integrity100 = packument["versions"]!["1.0.0"]!["dist"]!["integrity"]!.GetValue<string>();
        }

        public VerdaccioRegistry Verdaccio { get; }

        public string Integrity100 { get; }

        public void Dispose()
        {
            Verdaccio.Dispose();
            _work.Dispose();
        }
    }

    public void Dispose() => _dir.Dispose();

    private string Data => Path.Combine(_dir.Path, "data");

    private string Home => Directory.CreateDirectory(Path.Combine(_dir.Path, "home")).FullName;

    private string WriteLock(string version, string? integrity) => _dir.Write("mcpguard.lock.json", $$"""
        {
          "version": 1,
          "servers": {
            "mailer": {
              "command": "npx",
              "args": ["-y", "{{Series}}@{{version}}"],
              "package": { "name": "{{Series}}", "version": "{{version}}"{{(integrity is null ? "" : $", \"integrity\": \"{integrity}\"")}} }
            }
          }
        }
        """);

    private Task<CliHarness.Result> WatchAsync(params string[] extra) => CliHarness.RunAsync(
        ["watch", "--once", "--registry", registry.Verdaccio.Url.AbsoluteUri, "--home", Home, "--cooldown", "0", "--burst", "0", .. extra],
        env: name => name == "MCPGUARD_HOME" ? Data : null,
        workingDirectory: _dir.Path);

    private static List<JsonObject> Lines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!)];

    [Fact]
    public async Task Once_LockedSeries_OneJsonLinePerVersionAuditEventsExit1_LockByteIdenticalAndNothingRepeated()
    {
        var lockPath = WriteLock("1.0.0", registry.Integrity100);
        var before = File.ReadAllBytes(lockPath);

        var r = await WatchAsync();

        Assert.Equal(1, r.ExitCode);
        var lines = Lines(r.Out);
        Assert.Equal(["1.0.1", "1.0.2", "1.0.3", "1.0.4"], lines.Select(l => l["version"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.Equal("watch.version", l["type"]!.GetValue<string>()));
        Assert.Equal(["ok", "ok", "block"], lines.Take(3).Select(l => l["verdict"]!.GetValue<string>()));
        Assert.NotEqual("ok", lines[3]["verdict"]!.GetValue<string>());
        Assert.Equal("MCPG400", lines[2]["reasons"]![0]!["ruleId"]!.GetValue<string>());
        Assert.Equal("lock", lines[2]["baselineSource"]!.GetValue<string>());
        Assert.Equal(["mailer"], lines[2]["servers"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Contains("BLOCK " + Series + " 1.0.3", r.Error);
        Assert.Equal(before, File.ReadAllBytes(lockPath));

        using (var reader = AuditLogReader.Open(Path.Combine(Data, AuditLocation.DefaultFileName)))
        {
            var events = reader.Query(new AuditQuery { Kind = "watch.version" }).ToList();
            Assert.Equal(4, events.Count);
            Assert.Equal(["info", "info", "block"], events.Take(3).Select(e => e.Decision));
        }

        // The watch events extend the same hash chain `audit verify` checks.
        var verify = await CliHarness.RunAsync(["audit", "verify"], env: name => name == "MCPGUARD_HOME" ? Data : null, workingDirectory: _dir.Path);
        Assert.Equal(0, verify.ExitCode);

        var again = await WatchAsync();
        Assert.Equal(0, again.ExitCode);
        Assert.Empty(Lines(again.Out));
        Assert.Equal(before, File.ReadAllBytes(lockPath));
    }

    [Fact]
    public async Task Loop_UntilInterrupted_ReportsThenExitsZeroWithoutTouchingTheLock()
    {
        var lockPath = WriteLock("1.0.3", null);
        var before = File.ReadAllBytes(lockPath);
        using var stdout = new SignallingWriter("\"1.0.4\"");
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var context = CliContext.ForWriters(stdout, stderr, name => name == "MCPGUARD_HOME" ? Data : null, _dir.Path);

        var run = CliApp.RunAsync(["watch", "--interval", "1s", "--registry", registry.Verdaccio.Url.AbsoluteUri, "--home", Home, "--cooldown", "0"], context, stop.Token);
        await stdout.Seen.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.Contains("\"verdict\":\"", stdout.ToString());
        Assert.Equal(before, File.ReadAllBytes(lockPath));
    }

    /// <summary>Completes <see cref="Seen"/> once a written line contains the text (no polling, no sleeps).</summary>
    private sealed class SignallingWriter(string text) : StringWriter
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public override Task WriteLineAsync(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            if (value?.Contains(text, StringComparison.Ordinal) == true)
            {
                _seen.TrySetResult();
            }

            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }
    }

    [Fact]
    public async Task Once_LockAtNewest_NothingNewExit0()
    {
        WriteLock("1.0.4", null);

        var r = await WatchAsync();

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task Once_ConfiguredServers_PinnedOneDiffedAgainstItsPin_FloatingOneSaysNoBaseline()
    {
        Directory.CreateDirectory(Path.Combine(Home, ".cursor"));
        File.WriteAllText(Path.Combine(Home, ".cursor", "mcp.json"), $$"""
            { "mcpServers": {
                "pinned": { "command": "npx", "args": ["-y", "{{Series}}@1.0.2"] },
                "floating": { "command": "npx", "args": ["-y", "{{Series}}-floating"] } } }
            """);

        var r = await WatchAsync("--format", "json");

        Assert.Equal(1, r.ExitCode);
        var lines = Lines(r.Out);
        var noBaseline = Assert.Single(lines, l => l["type"]!.GetValue<string>() == "watch.no-baseline");
        Assert.Equal(Series + "-floating", noBaseline["package"]!.GetValue<string>());
        Assert.Equal("MCPG814", noBaseline["reasons"]![0]!["ruleId"]!.GetValue<string>());
        var versions = lines.Where(l => l["type"]!.GetValue<string>() == "watch.version").ToList();
        Assert.Equal(["1.0.3", "1.0.4"], versions.Select(l => l["version"]!.GetValue<string>()));
        Assert.All(versions, v => Assert.Equal(("1.0.2", "config-pin"), (v["baseline"]!.GetValue<string>(), v["baselineSource"]!.GetValue<string>())));
        Assert.Equal(["cursor:pinned"], versions[0]["servers"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task Once_TableFormat_HumanSummaryOnStdoutNoJson()
    {
        WriteLock("1.0.2", null);

        var r = await WatchAsync("--format", "table");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("BLOCK " + Series + " 1.0.3", r.Out);
        Assert.DoesNotContain("{\"type\"", r.Out);
    }

    [Fact]
    public async Task Once_Webhook_ReceivesEveryEventAndCarriesNoSecretFromItsUrl()
    {
        WriteLock("1.0.2", null);
        await using var receiver = await WebhookReceiver.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var url = new Uri(receiver.Url, "hook/XXsecretTOKENXX").AbsoluteUri;

        var r = await WatchAsync("--webhook", url);

        Assert.Equal(1, r.ExitCode);
        var bodies = receiver.Bodies;
        Assert.Equal(2, bodies.Count);
        Assert.Contains(bodies, b => JsonNode.Parse(b)!["verdict"]!.GetValue<string>() == "block");
        Assert.DoesNotContain("XXsecretTOKENXX", r.Out + r.Error + string.Concat(bodies));
    }

    [Theory]
    [InlineData("--interval", "soon", "--interval")]
    [InlineData("--cooldown", "-1d", "--cooldown")]
    [InlineData("--webhook", "ftp://x/secret-hook-token", "--webhook")]
    [InlineData("--lock", "missing.lock.json", "missing.lock.json")]
    public async Task BadInput_OneLineNamingTheArgumentExit2(string option, string value, string named)
    {
        WriteLock("1.0.0", null);

        var r = await WatchAsync(option, value);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.Error);
        Assert.DoesNotContain("secret-hook-token", r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public async Task NothingToWatch_Exit2SaysHowToFixIt()
    {
        var r = await WatchAsync();

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing to watch", r.Error);
    }

    [Fact]
    public void Help_EveryOptionHasADescription()
    {
        using var o = new StringWriter();
        var command = WatchCommand.Create(CliContext.ForWriters(o, o));

        Assert.NotEmpty(command.Description!);
        Assert.All(command.Options, opt => Assert.False(string.IsNullOrWhiteSpace(opt.Description), opt.Name));
        Assert.Contains(command.Options, opt => opt.Name == "--once");
    }
}
