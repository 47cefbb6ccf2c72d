using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Resolution;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

public sealed class WatchTargetsTests
{
    private static LockFile Lock(params (string Server, string Package, string Version)[] entries)
    {
        var file = new LockFile();
        foreach (var (server, package, version) in entries)
        {
            file = file.WithServer(server, new LockedServer { Command = "npx", Args = ["-y", $"{package}@{version}"], Package = new LockedPackage(package, version, "sha512-AAAA") });
        }

        return file.WithServer("local", new LockedServer { Command = "node", Args = ["server.js"] });
    }

    private static ResolvedLaunch Configured(string name, string package, string? requested, bool pinned, string? installed = null, string ecosystem = "npm") => new()
    {
        Server = new DiscoveredServer { Client = "cursor", ConfigPath = "/h/.cursor/mcp.json", Name = name, Command = "npx" },
        Kind = "npx",
        Package = new ResolvedPackage
        {
            Ecosystem = ecosystem,
            Name = package,
            Requested = requested,
            Pinned = pinned,
            Installed = installed is null ? null : new InstalledCopy(installed, "/x/package.json", "npx-cache", DateTime.UtcNow),
        },
    };

    [Fact]
    public void Enumerate_LockAndConfigs_OneTargetPerPackageAndBaselineWithTheRightSource()
    {
        var targets = WatchTargets.Enumerate(
            Lock(("postmark", "postmark-mcp", "1.0.15")),
            [
                Configured("postmark", "postmark-mcp", null, false),
                Configured("pinned", "pinned-mcp", "2.1.0", true),
                Configured("installed", "inst-mcp", "latest", false, installed: "0.9.1"),
                Configured("floating", "float-mcp", null, false),
                Configured("python", "py-mcp", null, false, ecosystem: "pypi"),
            ]);

        Assert.Equal(["float-mcp", "inst-mcp", "pinned-mcp", "postmark-mcp"], targets.Select(t => t.Package));
        var postmark = targets.Single(t => t.Package == "postmark-mcp");
        Assert.Equal(("1.0.15", BaselineSource.Lock, "sha512-AAAA"), (postmark.Baseline, postmark.BaselineSource, postmark.BaselineIntegrity));
        Assert.Equal(["postmark", "cursor:postmark"], postmark.Servers);
        Assert.Equal(("2.1.0", BaselineSource.ConfigPin), targets.Single(t => t.Package == "pinned-mcp") is var p ? (p.Baseline, p.BaselineSource) : default);
        Assert.Equal(("0.9.1", BaselineSource.Installed), targets.Single(t => t.Package == "inst-mcp") is var i ? (i.Baseline, i.BaselineSource) : default);
        Assert.Equal(((string?)null, BaselineSource.None), targets.Single(t => t.Package == "float-mcp") is var f ? (f.Baseline, f.BaselineSource) : default);
    }

    [Fact]
    public void Enumerate_ConfigRunsAnotherVersionThanTheLock_BothAreWatched()
    {
        var targets = WatchTargets.Enumerate(Lock(("a", "pkg", "1.0.0")), [Configured("b", "pkg", "1.2.0", true)]);

        Assert.Equal([("1.0.0", BaselineSource.Lock), ("1.2.0", BaselineSource.ConfigPin)], targets.Select(t => (t.Baseline!, t.BaselineSource)));
    }

    [Fact]
    public void Enumerate_NoLockNoConfigs_Empty() => Assert.Empty(WatchTargets.Enumerate(null, []));
}

public sealed class DurationsTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    [InlineData("0", 0)]
    [InlineData("00:15:00", 900)]
    public void Parse_CommonForms_Seconds(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "--interval"));

    [Theory]
    [InlineData("soon")]
    [InlineData("-5m")]
    [InlineData("5y")]
    [InlineData("")]
    public void Parse_Nonsense_UserInputErrorNamingTheOption(string text) =>
        Assert.Contains("--cooldown", Assert.Throws<McpGuard.Core.UserInputException>(() => Durations.Parse(text, "--cooldown")).Message);
}
