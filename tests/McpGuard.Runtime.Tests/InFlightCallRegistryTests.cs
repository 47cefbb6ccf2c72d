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
}
