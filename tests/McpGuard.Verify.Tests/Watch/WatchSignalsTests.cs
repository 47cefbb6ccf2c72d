using System.Text.Json.Nodes;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

public sealed class WatchSignalsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Packument(params (string Version, JsonObject Manifest, DateTimeOffset Time)[] versions)
    {
        var v = new JsonObject();
        var t = new JsonObject { ["created"] = "2020-01-01T00:00:00Z" };
        foreach (var (version, manifest, time) in versions)
        {
            manifest["dist"] ??= new JsonObject { ["tarball"] = "http://127.0.0.1/x.tgz" };
            v[version] = manifest;
            t[version] = time.ToString("O");
        }

        return new JsonObject { ["name"] = "p", ["versions"] = v, ["time"] = t };
    }

    private static readonly WatchOptions Options = new() { Cooldown = TimeSpan.FromDays(7), BurstCount = 3 };

    [Fact]
    public void Evaluate_SameAccountOldEnoughNoBurst_NoReasons()
    {
        var p = Packument(("1.0.0", new JsonObject { ["_npmUser"] = new JsonObject { ["name"] = "alice" } }, Now.AddDays(-60)),
            ("1.0.1", new JsonObject { ["_npmUser"] = new JsonObject { ["name"] = "Alice" } }, Now.AddDays(-30)));

        Assert.Empty(WatchSignals.Evaluate(p, "1.0.0", "1.0.1", Now, Options));
    }

    [Fact]
    public void Evaluate_MirrorStylePublisherString_StillCompared()
    {
        var p = Packument(("1.0.0", new JsonObject { ["_npmUser"] = "alice <a@x>" }, Now.AddDays(-60)), ("1.0.1", new JsonObject { ["_npmUser"] = "bob <b@x>" }, Now.AddDays(-30)));

        Assert.Equal(["MCPG800"], WatchSignals.Evaluate(p, "1.0.0", "1.0.1", Now, Options).Select(r => r.RuleId));
    }

    [Fact]
    public void Evaluate_OddlyTypedFields_RaiseNothingAndDoNotThrow()
    {
        var p = Packument(("1.0.0", new JsonObject { ["_npmUser"] = 5, ["maintainers"] = "x", ["dist"] = new JsonObject { ["tarball"] = "t", ["attestations"] = 1 } }, Now.AddDays(-60)),
            ("1.0.1", new JsonObject { ["_npmUser"] = new JsonArray(), ["maintainers"] = new JsonArray(1, 2), ["dist"] = new JsonObject { ["tarball"] = "t", ["attestations"] = 2 } }, Now.AddDays(-30)));

        Assert.Empty(WatchSignals.Evaluate(p, "1.0.0", "1.0.1", Now, Options));
    }

    [Fact]
    public void Evaluate_CooldownMessage_SaysWhenItEnds()
    {
        var p = Packument(("1.0.0", new JsonObject(), Now.AddDays(-60)), ("1.0.1", new JsonObject(), Now.AddHours(-3)));

        var r = Assert.Single(WatchSignals.Evaluate(p, "1.0.0", "1.0.1", Now, Options));
        Assert.Equal("MCPG804", r.RuleId);
        Assert.Contains("2026-11-30 09:00", r.Message);
    }

    [Theory]
    [InlineData("ok", new string[0], "ok")]
    [InlineData("ok", new[] { "MCPG804" }, "review")]
    [InlineData("block", new[] { "MCPG804" }, "block")]
    [InlineData("ok", new[] { "MCPG800" }, "review")]
    [InlineData("ok", new[] { "MCPG800", "MCPG802" }, "block")]
    [InlineData("ok", new[] { "MCPG801", "MCPG802" }, "block")]
    public void Raise_SignalsAndDiffVerdict_Combined(string diff, string[] rules, string expected) =>
        Assert.Equal(expected, WatchSignals.Raise(diff, [.. rules.Select(r => new WatchReason(r, McpGuard.Core.Rules.RuleCatalog.Get(r).DefaultSeverity, "m"))]));
}
