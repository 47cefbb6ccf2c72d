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
    public void End_WithoutAnySnapshot_DropsCallsPastTheirGracePeriod()
    {
        // A server that never makes an outbound request never triggers Snapshot; its answered calls must still go.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { GracePeriod = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 1000; i++)
        {
            registry.Begin(new InFlightCall("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "t", null, time.GetUtcNow()));
            registry.End("s", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        registry.Begin(new InFlightCall("s", "open", "t", null, time.GetUtcNow()));
        Assert.Equal(1001, registry.Count);
        time.Advance(TimeSpan.FromSeconds(3));

        // Id "5" reused by a new call before the old one expired: the new one must survive the old one's expiry.
        registry.Begin(new InFlightCall("s", "5", "t2", null, time.GetUtcNow()));
        registry.Begin(new InFlightCall("s", "next", "t", null, time.GetUtcNow()));
        registry.End("s", "next");
        Assert.Equal(3, registry.Count);
        Assert.Contains(registry.Snapshot("s"), c => c.RequestId == "5" && c.Tool == "t2" && c.Ended is null);
        Assert.Contains(registry.Snapshot("s"), c => c.RequestId == "open");
    }

    [Fact]
    public void End_BurstWithinGracePeriod_KeepsOnlyTheNewestEndedCalls()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registry = new InFlightCallRegistry(time) { MaxEndedCalls = 10 };
        registry.Begin(new InFlightCall("s", "still-open", "t", null, time.GetUtcNow()));
        for (var i = 0; i < 100; i++)
        {
            var id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            registry.Begin(new InFlightCall("s", id, "t", null, time.GetUtcNow()));
            registry.End("s", id);
        }

        Assert.Equal(11, registry.Count);
        var snapshot = registry.Snapshot("s");
        Assert.Contains(snapshot, c => c.RequestId == "still-open");
        Assert.Contains(snapshot, c => c.RequestId == "99");
        Assert.DoesNotContain(snapshot, c => c.RequestId == "89");
    }
}
