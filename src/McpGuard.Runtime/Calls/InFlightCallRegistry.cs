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

    // Ended calls in the order they ended, so End drops those past the grace period itself: without it only Snapshot
    // (the egress proxy) pruned, and a session without egress kept every call it ever made (memory and GC time grew
    // with the call count).
    private readonly Queue<((string Server, string RequestId) Key, DateTimeOffset Ended)> _ended = new();
    private readonly Lock _endedGate = new();

    /// <summary>2 s: long enough for an asynchronous send after the reply, short enough not to cover the next idle period.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    public void Begin(InFlightCall call) => _calls[(call.Server, call.RequestId)] = call;

    public void End(string server, string requestId)
    {
        var key = (server, requestId);
        var now = _time.GetUtcNow();
        lock (_endedGate)
        {
            if (_calls.TryGetValue(key, out var call))
            {
                _calls[key] = call with { Ended = now };
                _ended.Enqueue((key, now));
            }

            while (_ended.TryPeek(out var head) && now - head.Ended > GracePeriod)
            {
                _ended.Dequeue();

                // Only if it is still that ended call: the id may have been reused by a newer call since.
                if (_calls.TryGetValue(head.Key, out var ended) && ended.Ended == head.Ended)
                {
                    _calls.TryRemove(new KeyValuePair<(string, string), InFlightCall>(head.Key, ended));
                }
            }
        }
    }

    /// <summary>Entries held (in flight or ended within the grace period, give or take the next End).</summary>
    internal int Count => _calls.Count;

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
