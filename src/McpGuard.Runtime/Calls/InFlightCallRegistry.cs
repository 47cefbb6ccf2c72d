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
/// <remarks>
/// The dictionary holds only calls in flight (bounded by the proxy's in-flight limit); ended calls move to a queue in
/// the order they ended and leave it by age. Keeping them in the dictionary until the egress proxy's next snapshot
/// made every tools/call of a session without egress stay forever, and hashing into a table of tens of thousands of
/// calls was ~10 % of the proxy's CPU in a pipelined burst (bench/README.md, "Frame pump").
/// </remarks>
public sealed class InFlightCallRegistry(TimeProvider? timeProvider = null) : IInFlightCallRegistry
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Server, string RequestId), InFlightCall> _calls = new();
    // Ended calls with the time they ended; the record is copied with Ended set only when a snapshot shows it (egress,
    // rare), not once per call.
    private readonly Queue<(InFlightCall Call, DateTimeOffset Ended)> _ended = new();
    private readonly Lock _endedGate = new();

    /// <summary>2 s: long enough for an asynchronous send after the reply, short enough not to cover the next idle period.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// 256, the proxy's default in-flight limit: bounds the memory of ended calls (each holds its arguments) when calls
    /// end faster than 128 a second; late sends come from the last few calls. More costs the GC as well as memory:
    /// ended calls live just long enough to be promoted (4,096 kept the pipelined harness at 90 MB peak, 256 at 60).
    /// Dropping the oldest early fails closed: egress then sees fewer recent calls, never a call that did not happen.
    /// </summary>
    public int MaxEndedKept { get; init; } = 256;

    /// <summary>Calls held: in flight plus ended within the grace period.</summary>
    internal int Count
    {
        get
        {
            lock (_endedGate)
            {
                return _calls.Count + _ended.Count;
            }
        }
    }

    public void Begin(InFlightCall call) => _calls[(call.Server, call.RequestId)] = call;

    public void End(string server, string requestId)
    {
        if (!_calls.TryRemove((server, requestId), out var call))
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_endedGate)
        {
            _ended.Enqueue((call, now));
            DropExpired(now);
        }
    }

    public IReadOnlyList<InFlightCall> Snapshot(string server)
    {
        var result = new List<InFlightCall>();
        foreach (var (key, call) in _calls)
        {
            if (key.Server == server)
            {
                result.Add(call);
            }
        }

        lock (_endedGate)
        {
            DropExpired(_time.GetUtcNow());
            foreach (var (call, ended) in _ended)
            {
                if (call.Server == server)
                {
                    result.Add(call with { Ended = ended });
                }
            }
        }

        return result;
    }

    private void DropExpired(DateTimeOffset now)
    {
        while (_ended.TryPeek(out var oldest) && (_ended.Count > MaxEndedKept || now - oldest.Ended > GracePeriod))
        {
            _ended.Dequeue();
        }
    }
}
