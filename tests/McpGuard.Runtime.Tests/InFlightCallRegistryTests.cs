using McpGuard.Runtime.Calls;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Runtime.Tests;

public sealed class InFlightCallRegistryTests
{
    [Fact]
    public void Snapshot_EndedCall_VisibleDuringGraceThenGone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { GracePeriod = TimeSpan.FromSeconds(2) };
        registry.Begin(new InFlightCall("postmark", "1", "sendEmail", null, time.GetUtcNow()));
        registry.Begin(new InFlightCall("other", "1", "x", null, time.GetUtcNow()));

        Assert.Single(registry.Snapshot("postmark"));
        registry.End("postmark", "1");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(registry.Snapshot("postmark"));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(registry.Snapshot("postmark"));
        Assert.Single(registry.Snapshot("other"));
    }

    [Fact]
    public void End_DropsCallsEndedBeforeTheGracePeriod_WithoutAnySnapshot()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { GracePeriod = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 1000; i++)
        {
            registry.Begin(new InFlightCall("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "echo", null, time.GetUtcNow()));
            registry.End("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        registry.Begin(new InFlightCall("s", "open", "echo", null, time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(3));
        registry.Begin(new InFlightCall("s", "last", "echo", null, time.GetUtcNow()));
        registry.End("s", "last");

        // The 1,000 old ended calls are gone; the open call and the one that just ended stay.
        Assert.Equal(2, registry.Count);
        Assert.Equal(["last", "open"], registry.Snapshot("s").Select(c => c.RequestId).Order());
    }

    [Fact]
    public void EndedCalls_BeyondTheCap_OldestDroppedFirst()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { MaxEndedKept = 3 };
        foreach (var id in new[] { "1", "2", "3", "4", "5" })
        {
            registry.Begin(new InFlightCall("s", id, "echo", null, time.GetUtcNow()));
            registry.End("s", id);
        }

        Assert.Equal(["3", "4", "5"], registry.Snapshot("s").Select(c => c.RequestId));
    }

    [Fact]
    public void End_ReusedId_KeepsTheNewerCall()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { GracePeriod = TimeSpan.FromSeconds(2) };
        registry.Begin(new InFlightCall("s", "1", "old", null, time.GetUtcNow()));
        registry.End("s", "1");
        time.Advance(TimeSpan.FromSeconds(1));
        registry.Begin(new InFlightCall("s", "1", "new", null, time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(3));
        registry.End("s", "other");

        var call = Assert.Single(registry.Snapshot("s"));
        Assert.Equal("new", call.Tool);
        Assert.Null(call.Ended);
    }

    [Fact]
    public void Snapshot_EndedCall_CarriesTheTimeItEnded()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { GracePeriod = TimeSpan.FromSeconds(2) };
        var started = time.GetUtcNow();
        registry.Begin(new InFlightCall("s", "1", "send", null, started));
        time.Advance(TimeSpan.FromMilliseconds(700));
        registry.End("s", "1");
        time.Advance(TimeSpan.FromMilliseconds(500));

        var call = Assert.Single(registry.Snapshot("s"));
        Assert.Equal(started, call.Started);
        Assert.Equal(started.AddMilliseconds(700), call.Ended);
    }
}
