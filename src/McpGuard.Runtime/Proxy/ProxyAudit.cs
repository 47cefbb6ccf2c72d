using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Rules;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Builds audit events for one session and hands them to the sink without waiting (group commit): the session's
/// <see cref="FrameWriter"/>s call <see cref="WhenCommittedAsync"/> before every flush, so no byte leaves the process
/// before every event recorded so far is committed. One read buffer's frames (both directions, when they overlap)
/// thus share one commit (with the journaled store, one write to the process journal) instead of one each. The sink
/// redacts reasons, ids, arguments and details as it writes them (<see cref="IAuditSink"/>), so the trees handed over
/// here are never copied or changed.
/// With no sink, nothing is built, so the hot path stays allocation-free.
/// </summary>
internal sealed class ProxyAudit(IAuditSink? sink, string server, TimeProvider time)
{
    public const string ClientToServer = "client-to-server";
    public const string ServerToClient = "server-to-client";
    public const string ProxyToServer = "proxy-to-server";

    // Appends whose commit was not yet seen, in recording order (by ticket). A failed commit stays at the head for
    // good, so every later flush fails too: fail closed, nothing is forwarded after an event could not be written.
    private readonly Queue<(long Ticket, Task Commit)> _uncommitted = new();
    private long _recorded;

    public bool Enabled => sink is not null;

    /// <summary>Queues one event; the frame it describes may be written to a <see cref="FrameWriter"/> right after.</summary>
    public void Record(
        string kind,
        string? direction,
        string? method,
        JsonRpcId? id,
        string decision,
        string? reason = null,
        RuleDescriptor? rule = null,
        string? tool = null,
        JsonObject? details = null,
        long? bytes = null,
        System.Text.Json.JsonElement? arguments = null)
    {
        if (sink is null)
        {
            return;
        }

        // No cancellation: once queued, the event is written whether or not anyone still waits for it. Deferred: the
        // flush that forwards the frame commits it (WhenCommittedAsync calls CommitPendingNow first).
        var commit = sink.AppendDeferredAsync(new AuditEvent
        {
            Time = time.GetUtcNow(),
            Kind = kind,
            Server = server,
            Direction = direction,
            Method = method,
            Tool = tool,
            RequestId = id?.ToString(),
            Decision = decision,
            Reason = reason,
            RuleId = rule?.Id,
            Details = details,
            Bytes = bytes,
            Arguments = arguments,
        });

        lock (_uncommitted)
        {
            var ticket = ++_recorded;
            if (!commit.IsCompletedSuccessfully)
            {
                _uncommitted.Enqueue((ticket, commit.AsTask()));
            }
        }
    }

    /// <summary>
    /// Completes once every event recorded before this call is committed; throws <see cref="AuditWriteException"/>
    /// (now and on every later call) when one of them could not be.
    /// </summary>
    public ValueTask WhenCommittedAsync(CancellationToken cancellationToken)
    {
        long target;
        lock (_uncommitted)
        {
            target = _recorded;
            if (NextUncommitted(target) is null)
            {
                return ValueTask.CompletedTask;
            }
        }

        // Commit on this thread when the sink can (no fsync): saves a switch to its writer thread and back.
        sink!.CommitPendingNow();
        lock (_uncommitted)
        {
            if (NextUncommitted(target) is null)
            {
                return ValueTask.CompletedTask;
            }
        }

        return WaitAsync(target, cancellationToken);
    }

    private async ValueTask WaitAsync(long target, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? next;
            lock (_uncommitted)
            {
                next = NextUncommitted(target);
            }

            if (next is null)
            {
                return;
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Drops the committed prefix; returns the first commit at or before <paramref name="target"/> still to wait for.</summary>
    private Task? NextUncommitted(long target)
    {
        while (_uncommitted.TryPeek(out var head) && head.Commit.IsCompletedSuccessfully)
        {
            _uncommitted.Dequeue();
        }

        return _uncommitted.TryPeek(out var first) && first.Ticket <= target ? first.Commit : null;
    }
}
