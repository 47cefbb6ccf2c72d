using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace McpGuard.Runtime.Calls;

/// <summary>A tools/call the client made and the server has not finished, with its (unredacted) arguments.</summary>
public sealed record InFlightCall(string Server, string RequestId, string Tool, JsonObject? Arguments, DateTimeOffset Started)
{
    /// <summary>Set when the response went back; the call stays visible for a grace period after that.</summary>
    public DateTimeOffset? Ended { get; init; }
}

/// <summary>
/// Which tool calls are in flight per server. The stdio proxy writes it; the egress proxy reads it to tie each
/// outbound request to the call that caused it. Arguments live here in memory only, never on disk.
/// </summary>
public interface IInFlightCallRegistry
{
    void Begin(InFlightCall call);
    void End(string server, string requestId);

    /// <summary>Calls in flight for <paramref name="server"/> now, plus those that ended within the grace period.</summary>
    IReadOnlyList<InFlightCall> Snapshot(string server);
}

/// <summary>
/// Thread-safe registry. Ended calls stay visible for <see cref="GracePeriod"/> because servers may send the
/// outbound request just after answering (fire-and-forget sends); after that, egress is "no call in flight".
/// </summary>
public sealed class InFlightCallRegistry(TimeProvider? timeProvider = null) : IInFlightCallRegistry
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Server, string RequestId), InFlightCall> _calls = new();

    /// <summary>2 s: long enough for an asynchronous send after the reply, short enough not to cover the next idle period.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    public void Begin(InFlightCall call) => _calls[(call.Server, call.RequestId)] = call;

    public void End(string server, string requestId)
    {
        if (_calls.TryGetValue((server, requestId), out var call))
        {
            _calls[(server, requestId)] = call with { Ended = _time.GetUtcNow() };
        }
    }

    public IReadOnlyList<InFlightCall> Snapshot(string server)
    {
        var now = _time.GetUtcNow();
        var result = new List<InFlightCall>();
        foreach (var (key, call) in _calls)
        {
            if (call.Ended is { } ended && now - ended > GracePeriod)
            {
                _calls.TryRemove(new KeyValuePair<(string, string), InFlightCall>(key, call));
                continue;
            }

            if (key.Server == server)
            {
                result.Add(call);
            }
        }

        return result;
    }
}
