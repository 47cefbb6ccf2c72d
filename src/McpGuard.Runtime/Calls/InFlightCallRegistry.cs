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

    // Ended calls in the order they ended, so End can drop the expired ones without scanning: Snapshot alone (only
    // called when the server makes an outbound request) would let a server that never calls out keep every call it
    // ever answered, arguments included, for the life of the session.
    private readonly ConcurrentQueue<((string Server, string RequestId) Key, InFlightCall Ended)> _ended = new();

    /// <summary>2 s: long enough for an asynchronous send after the reply, short enough not to cover the next idle period.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// 1,024 ended calls at most, however recent: a pipelining client ends thousands of calls within one grace period,
    /// and each holds its arguments. Late sends come from the last few calls, not from a thousand calls back.
    /// </summary>
    public int MaxEndedCalls { get; init; } = 1024;

    public void Begin(InFlightCall call) => _calls[(call.Server, call.RequestId)] = call;

    public void End(string server, string requestId)
    {
        var now = _time.GetUtcNow();
        if (_calls.TryGetValue((server, requestId), out var call))
        {
            var ended = call with { Ended = now };
            _calls[(server, requestId)] = ended;
            _ended.Enqueue(((server, requestId), ended));
        }

        DropExpired(now);
    }

    /// <summary>How many calls are held (in flight or in their grace period); for tests.</summary>
    internal int Count => _calls.Count;

    private void DropExpired(DateTimeOffset now)
    {
        while (_ended.TryPeek(out var oldest) && (now - oldest.Ended.Ended!.Value > GracePeriod || _ended.Count > MaxEndedCalls))
        {
            if (_ended.TryDequeue(out oldest))
            {
                // Only the ended record itself: the same id may have been reused by a newer call since.
                _calls.TryRemove(new KeyValuePair<(string, string), InFlightCall>(oldest.Key, oldest.Ended));
            }
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
