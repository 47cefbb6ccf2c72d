using System.Text.Json.Nodes;
using McpGuard.TestSupport;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Updates;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Verify.Tests;

public sealed class UpdateReviewerTests(UpdateSeriesRegistry fixture) : IClassFixture<UpdateSeriesRegistry>, IDisposable
{
    private readonly TempDirectory _cache = new("mcpguard-cache");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private NpmRegistryClient Client() => new(_http, fixture.Verdaccio.Url, new PackageCache(_cache.Path));

    private UpdateReviewer Reviewer() => new(new PackageLoader(Client()), null);

    private async Task<string> IntegrityAsync(string name, string version) =>
        UpdateReviewer.IntegrityOf(await Client().GetPackumentAsync(name, TestContext.Current.CancellationToken), version)!;

    [Fact]
    public async Task Review_FromBaseline_ListsEveryNewerVersionWithItsVerdict()
    {
        var locked = new LockedPackage(UpdateSeries.Name, "1.0.0", await IntegrityAsync(UpdateSeries.Name, "1.0.0"));

        var review = await Reviewer().ReviewAsync(locked, TestContext.Current.CancellationToken);

        Assert.Equal(["1.0.1", "1.0.2", "1.0.3", "1.0.4"], review.Pending.Select(p => p.Version));
        Assert.Equal(["ok", "review", "block", "block"], review.Pending.Select(p => p.Decision));
        Assert.Contains(review.Pending[2].Verdict!.Reasons, r => r.Contains("Bcc", StringComparison.Ordinal) && r.Contains(UpdateSeries.HiddenRecipient, StringComparison.Ordinal));
        Assert.DoesNotContain(review.Pending[3].Verdict!.Reasons, r => r.Contains(UpdateSeries.HiddenRecipient, StringComparison.Ordinal));
        Assert.Contains(review.Pending[3].Verdict!.Reasons, r => r.Contains("postinstall", StringComparison.Ordinal));
        Assert.All(review.Pending, p => Assert.StartsWith("sha512-", p.Integrity, StringComparison.Ordinal));
        Assert.Equal("1.0.2", review.NewestApprovable!.Version);
    }

    [Fact]
    public async Task Review_AtNewestVersion_HasNothingPending()
    {
        var locked = new LockedPackage(UpdateSeries.Name, "1.0.4", await IntegrityAsync(UpdateSeries.Name, "1.0.4"));

        var review = await Reviewer().ReviewAsync(locked, TestContext.Current.CancellationToken);

        Assert.Empty(review.Pending);
        Assert.Null(review.NewestApprovable);
    }

    [Fact]
    public async Task Review_TamperedRelease_IsAnErrorThatCanNeverBeApproved()
    {
        var locked = new LockedPackage(UpdateSeries.TamperedName, "1.0.0", await IntegrityAsync(UpdateSeries.TamperedName, "1.0.0"));

        var review = await Reviewer().ReviewAsync(locked, TestContext.Current.CancellationToken);

        var pending = Assert.Single(review.Pending);
        Assert.Equal("error", pending.Decision);
        Assert.Contains("does not match its published integrity", pending.Error, StringComparison.Ordinal);
        Assert.Null(review.NewestApprovable);
    }

    [Fact]
    public async Task Review_LockedIntegrityNoLongerServed_RefusesToReview()
    {
        var other = await IntegrityAsync(UpdateSeries.Name, "1.0.1");

        var ex = await Assert.ThrowsAsync<PackageLoadException>(() =>
            Reviewer().ReviewAsync(new LockedPackage(UpdateSeries.Name, "1.0.0", other), TestContext.Current.CancellationToken));

        Assert.True(ex.IntegrityFailure);
        Assert.Contains("changed after approval", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_DeletedPackage_IsAClearError()
    {
        var ex = await Assert.ThrowsAsync<PackageLoadException>(() =>
            Reviewer().ReviewAsync(new LockedPackage("mcpguard-never-published", "1.0.0", null), TestContext.Current.CancellationToken));

        Assert.Contains("was not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_UnpinnedLaunch_TakesRegistryLatestWithItsIntegrity()
    {
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", $$"""{ "mcpServers": { "mail": { "command": "npx", "args": ["-y", "{{UpdateSeries.Name}}"] } } }""");
        var options = new DiscoveryOptions { Home = home.Path, HomeOverridden = true };

        var plan = await new PinPlanner(Client()).PlanAsync(options, new LockFile(), null, TestContext.Current.CancellationToken);

        var pin = Assert.Single(plan.Pins);
        Assert.Equal(("mail", "1.0.4", "registry dist-tag latest"), (pin.Server, pin.Version, pin.Source));
        Assert.Equal(await IntegrityAsync(UpdateSeries.Name, "1.0.4"), pin.Integrity);
        Assert.Equal(["-y", $"{UpdateSeries.Name}@1.0.4"], pin.NewLockEntry!.Args);
        Assert.Empty(plan.Refused);
    }

    [Fact]
    public async Task Pin_RangeLaunch_TakesNewestMatchingVersion()
    {
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", $$"""{ "mcpServers": { "mail": { "command": "npx", "args": ["-y", "{{UpdateSeries.Name}}@~1.0.1"] } } }""");

        var plan = await new PinPlanner(Client()).PlanAsync(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, new LockFile(), null, TestContext.Current.CancellationToken);

        Assert.Equal("1.0.4", Assert.Single(plan.Pins).Version);
    }

    [Fact]
    public async Task Pin_LockedServerWithUnpinnedConfig_ConfigFollowsTheLock_LockUntouched()
    {
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", $$"""{ "mcpServers": { "mail": { "command": "npx", "args": ["-y", "{{UpdateSeries.Name}}"] } } }""");
        var lockFile = new LockFile().WithServer("mail", new LockedServer
        {
            Command = "npx",
            Args = ["-y", $"{UpdateSeries.Name}@1.0.0"],
            Package = new LockedPackage(UpdateSeries.Name, "1.0.0", await IntegrityAsync(UpdateSeries.Name, "1.0.0")),
        });

        var plan = await new PinPlanner(Client()).PlanAsync(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, lockFile, null, TestContext.Current.CancellationToken);

        var pin = Assert.Single(plan.Pins);
        Assert.Equal(("1.0.0", "lock"), (pin.Version, pin.Source));
        Assert.Null(pin.NewLockEntry);
        Assert.Equal("1.0.0", plan.Versions[UpdateSeries.Name]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pin_CopyInNpxCache_TakesTheInstalledVersion_UnlessItsIntegrityDiffers(bool integrityMatches)
    {
        using var home = new TempDirectory();
        home.Write(".cursor/mcp.json", $$"""{ "mcpServers": { "mail": { "command": "npx", "args": ["-y", "{{UpdateSeries.Name}}@latest"] } } }""");
        home.Write($".npm/_npx/0123abcd/node_modules/{UpdateSeries.Name}/package.json", $$"""{ "name": "{{UpdateSeries.Name}}", "version": "1.0.1" }""");
        var recorded = integrityMatches ? await IntegrityAsync(UpdateSeries.Name, "1.0.1") : await IntegrityAsync(UpdateSeries.Name, "1.0.3");
        home.Write(".npm/_npx/0123abcd/node_modules/.package-lock.json",
            $$"""{ "packages": { "node_modules/{{UpdateSeries.Name}}": { "version": "1.0.1", "integrity": "{{recorded}}" } } }""");

        var plan = await new PinPlanner(Client()).PlanAsync(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, new LockFile(), null, TestContext.Current.CancellationToken);

        if (integrityMatches)
        {
            var pin = Assert.Single(plan.Pins);
            Assert.Equal(("1.0.1", "installed (npx cache)"), (pin.Version, pin.Source));
            Assert.Empty(plan.Refused);
        }
        else
        {
            Assert.Empty(plan.Pins);
            Assert.Contains("the installed mcpguard-update-fixture@1.0.1 has integrity", Assert.Single(plan.Refused), StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _cache.Dispose();
    }
}

public sealed class UpdateConfigTests
{
    private static readonly FakeTimeProvider s_time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("npx", "-y|pkg", 1, "-y|pkg@2.0.0")]
    [InlineData("npx", "-y|pkg@latest|--flag", 1, "-y|pkg@2.0.0|--flag")]
    [InlineData("npx", "--package=pkg@^1|pkg-bin", 0, "--package=pkg@2.0.0|pkg-bin")]
    [InlineData("npx", "-p|pkg|pkg-bin", 1, "-p|pkg@2.0.0|pkg-bin")]
    [InlineData("mcpguard", "run|--sandbox|none|--|npx|-y|pkg@1.0.0", 6, "run|--sandbox|none|--|npx|-y|pkg@2.0.0")]
    [InlineData("cmd", "/c|npx|-y|pkg", 3, "/c|npx|-y|pkg@2.0.0")]
    [InlineData("npm", "exec|--yes|pkg", 2, "exec|--yes|pkg@2.0.0")]
    public void LaunchSpec_FindsAndRewritesOnlyThePackageArgument(string command, string args, int index, string expected)
    {
        var list = args.Split('|');

        Assert.Equal(index, NpmLaunchSpec.Find(command, list)!.Value.ArgIndex);
        Assert.Equal(expected.Split('|'), NpmLaunchSpec.WithVersion(command, list, "pkg", "2.0.0"));
        Assert.Null(NpmLaunchSpec.WithVersion(command, list, "other", "2.0.0"));
    }

    [Theory]
    [InlineData("node", "index.js")]
    [InlineData("npx", "-y|./local-folder")]
    [InlineData("uvx", "pkg")]
    public void LaunchSpec_NoRegistryPackage_IsNull(string command, string args) =>
        Assert.Null(NpmLaunchSpec.Find(command, args.Split('|')));

    [Fact]
    public void Rewrite_PlainAndWrappedEntries_PinnedWithBackup_Idempotent_OthersUntouched()
    {
        using var home = new TempDirectory();
        const string original = """
            {
              "mcpServers": {
                "plain": { "command": "npx", "args": ["-y", "pkg"], "env": { "K": "v" } },
                "guarded": { "command": "mcpguard", "args": ["run", "--", "npx", "-y", "pkg@1.0.0"] },
                "other": { "command": "npx", "args": ["-y", "other-pkg"] }
              }
            }
            """;
        var path = home.Write(".cursor/mcp.json", original);
        var options = new DiscoveryOptions { Home = home.Path, HomeOverridden = true };
        var versions = new Dictionary<string, string> { ["pkg"] = "2.0.0" };

        var first = ConfigVersionRewriter.Rewrite(options, versions, s_time);
        var afterFirst = File.ReadAllText(path);
        var second = ConfigVersionRewriter.Rewrite(options, versions, s_time);

        Assert.Equal(["plain", "guarded"], first.Changes.Select(c => c.Server));
        Assert.Equal(original, File.ReadAllText(Assert.Single(first.Backups)));
        var servers = JsonNode.Parse(afterFirst)!["mcpServers"]!;
        Assert.Equal("""["-y","pkg@2.0.0"]""", servers["plain"]!["args"]!.ToJsonString());
        Assert.Equal("v", servers["plain"]!["env"]!["K"]!.GetValue<string>());
        Assert.Equal("""["run","--","npx","-y","pkg@2.0.0"]""", servers["guarded"]!["args"]!.ToJsonString());
        Assert.Equal("""["-y","other-pkg"]""", servers["other"]!["args"]!.ToJsonString());
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(afterFirst, File.ReadAllText(path));
    }

    [Fact]
    public void Rewrite_ClaudeCodeProjectEntries_ArePinnedToo()
    {
        using var home = new TempDirectory();
        var path = home.Write(".claude.json", """
            { "mcpServers": { "top": { "command": "npx", "args": ["-y", "pkg"] } },
              "projects": { "/nowhere/app": { "mcpServers": { "inner": { "command": "npx", "args": ["-y", "pkg@^1"] } } } } }
            """);

        var result = ConfigVersionRewriter.Rewrite(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, new Dictionary<string, string> { ["pkg"] = "2.0.0" }, s_time);

        Assert.Equal(["top", "inner"], result.Changes.Select(c => c.Server));
        Assert.Empty(result.Notes);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("""["-y","pkg@2.0.0"]""", root["projects"]!["/nowhere/app"]!["mcpServers"]!["inner"]!["args"]!.ToJsonString());
    }

    [Fact]
    public void Rewrite_DryRun_WritesNothing()
    {
        using var home = new TempDirectory();
        const string original = """{ "mcpServers": { "plain": { "command": "npx", "args": ["-y", "pkg"] } } }""";
        var path = home.Write(".cursor/mcp.json", original);

        var result = ConfigVersionRewriter.Rewrite(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, new Dictionary<string, string> { ["pkg"] = "2.0.0" }, s_time, dryRun: true);

        Assert.Single(result.Changes);
        Assert.Empty(result.Backups);
        Assert.Equal(original, File.ReadAllText(path));
    }

    [Fact]
    public void Rewrite_CodexToml_PinsPlainAndGuardedLaunches_KeepingEveryOtherByte()
    {
        using var home = new TempDirectory();
        const string original = """
            # my codex config
            [mcp_servers.mail] # plain
            command = "npx"
            args = ["-y", 'pkg']   # latest, for now

            [mcp_servers.guarded]
            command = "mcpguard"
            args = [
              "run", "--sandbox", "none", "--",
              "npx", "-y", "pkg@^1.0.0", # a range
            ]

            [mcp_servers.other]
            command = "npx"
            args = ["-y", "other-pkg"]
            """;
        var path = home.Write(".codex/config.toml", original);
        var options = new DiscoveryOptions { Home = home.Path, HomeOverridden = true };
        var versions = new Dictionary<string, string> { ["pkg"] = "2.0.0" };

        var first = ConfigVersionRewriter.Rewrite(options, versions, s_time);
        var afterFirst = File.ReadAllText(path);
        var second = ConfigVersionRewriter.Rewrite(options, versions, s_time);

        Assert.Equal(["mail", "guarded"], first.Changes.Select(c => c.Server));
        Assert.Equal(["pkg -> pkg@2.0.0", "pkg@^1.0.0 -> pkg@2.0.0"], first.Changes.Select(c => c.Action));
        Assert.Empty(first.Notes);
        Assert.Equal(original, File.ReadAllText(Assert.Single(first.Backups)));
        Assert.Equal(
            original.Replace("'pkg']", "\"pkg@2.0.0\"]", StringComparison.Ordinal).Replace("\"pkg@^1.0.0\"", "\"pkg@2.0.0\"", StringComparison.Ordinal),
            afterFirst);
        Assert.Empty(second.Changes);
        Assert.Empty(second.Backups);
        Assert.Equal(afterFirst, File.ReadAllText(path));
    }

    [Fact]
    public void Rewrite_CodexToml_QuotedNamesAndInlineTables_ArePinnedInPlace()
    {
        using var home = new TempDirectory();
        const string original = """
            [mcp_servers]
            "my mail" = { command = "npx", args = ["--yes", "pkg@latest"], env = { K = "v" } }

            [mcp_servers."other mail"]
            'command' = 'npx'
            "args" = ['-y', '@scope/pkg@^2']
            """;
        var path = home.Write(".codex/config.toml", original);

        var result = ConfigVersionRewriter.Rewrite(new DiscoveryOptions { Home = home.Path, HomeOverridden = true }, new Dictionary<string, string> { ["pkg"] = "2.0.0", ["@scope/pkg"] = "2.1.0" }, s_time);

        Assert.Equal(["my mail", "other mail"], result.Changes.Select(c => c.Server));
        Assert.Equal(
            original.Replace("\"pkg@latest\"", "\"pkg@2.0.0\"", StringComparison.Ordinal).Replace("'@scope/pkg@^2'", "\"@scope/pkg@2.1.0\"", StringComparison.Ordinal),
            File.ReadAllText(path));
    }

    [Fact]
    public void Rewrite_CodexToml_BrokenFileOrUnsplicableEntry_IsReportedAndLeftByteIdentical()
    {
        using var home = new TempDirectory();
        const string broken = "[mcp_servers.mail]\ncommand = \"npx\"\nargs = [\"-y\", \"pkg\"]\n[[mcp_servers.mail]]\n";
        const string dotted = "[mcp_servers]\nmail.command = \"npx\"\nmail.args = [\"-y\", \"pkg\"]\n";
        var path = home.Write(".codex/config.toml", broken);
        var options = new DiscoveryOptions { Home = home.Path, HomeOverridden = true };
        var versions = new Dictionary<string, string> { ["pkg"] = "2.0.0" };

        var brokenResult = ConfigVersionRewriter.Rewrite(options, versions, s_time);
        var brokenAfter = File.ReadAllText(path);
        File.WriteAllText(path, dotted);
        var dottedResult = ConfigVersionRewriter.Rewrite(options, versions, s_time);

        Assert.Empty(brokenResult.Changes);
        Assert.Empty(brokenResult.Backups);
        Assert.Equal(broken, brokenAfter);
        Assert.Empty(dottedResult.Changes);
        Assert.Contains(dottedResult.Notes, n => n.Contains("server 'mail' is written with dotted keys", StringComparison.Ordinal));
        Assert.Equal(dotted, File.ReadAllText(path));
    }

    [Fact]
    public void LockMove_MovesVersionIntegrityAndLaunch_ClearsPinsWhenNoneGiven()
    {
        var locked = new LockedServer
        {
            Command = "npx",
            Args = ["-y", "pkg@1.0.0"],
            Package = new LockedPackage("pkg", "1.0.0", "sha512-old"),
            Tools = new Dictionary<string, LockedTool> { ["t"] = new("sha256-x", new JsonObject { ["name"] = "t" }) },
        };

        var moved = LockMove.To(locked, "1.1.0", "sha512-new", null);

        Assert.Equal(["-y", "pkg@1.1.0"], moved.Args);
        Assert.Equal(new LockedPackage("pkg", "1.1.0", "sha512-new"), moved.Package);
        Assert.Empty(moved.Tools);
        Assert.Equal(["npx", "-y", "pkg@1.1.0"], LockMove.LaunchOf(locked, "1.1.0"));
        Assert.Null(LockMove.LaunchOf(locked with { Command = "node", Args = ["/x/node_modules/pkg/index.js"] }, "1.1.0"));
    }
}
