using McpGuard.Audit;

namespace McpGuard.Runtime.Tests.Support;

/// <summary>Keeps audit events in memory for assertions (a hand-written fake of the audit store).</summary>
internal sealed class InMemoryAuditSink : IAuditSink
{
    private readonly List<AuditEvent> _events = [];
    private AuditWriteException? _failure;

    public IReadOnlyList<AuditEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>From now on every append fails with <paramref name="failure"/>, as the journaled store's do after a failed write.</summary>
    public void FailFromNowOn(AuditWriteException failure) => Volatile.Write(ref _failure, failure);

    public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            return ValueTask.FromException(failure);
        }

        lock (_events)
        {
            _events.Add(auditEvent);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
