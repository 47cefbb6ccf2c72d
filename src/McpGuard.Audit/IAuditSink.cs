namespace McpGuard.Audit;

/// <summary>
/// Where audit events go. <see cref="AppendAsync"/> returns only once the event is durable, because the proxy
/// forwards a message only after its event is committed: a crash at any moment must lose no forwarded event.
/// A sink redacts (<see cref="Core.Secrets.ISecretRedactor"/>) the reason, request id, arguments and details of every
/// event before anything is written, and never modifies the objects it is handed: callers pass facts as they are.
/// </summary>
public interface IAuditSink : IAsyncDisposable
{
    ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="AppendAsync"/>, for a caller that calls <see cref="CommitPendingNow"/> before it waits: the sink
    /// may hold the event until then instead of starting a commit at once.
    /// </summary>
    ValueTask AppendDeferredAsync(AuditEvent auditEvent) => AppendAsync(auditEvent, CancellationToken.None);

    /// <summary>
    /// A hint from a caller about to wait for its appends: commit what is queued now, on this thread, if the sink can
    /// do that cheaply; otherwise do nothing (the appends complete as they would anyway).
    /// </summary>
    void CommitPendingNow()
    {
    }

    /// <summary>
    /// Completes, with the failure, when the sink has failed for good: an event could not be written, so every later
    /// append fails too, whoever makes it. Lets a caller that is not appending (the proxy between two messages) stop
    /// at once when another writer (the egress proxy) met the failure. A sink that never fails for good returns a task
    /// that never completes.
    /// </summary>
    Task<AuditWriteException> FailedForGood => s_neverFails.Task;

    private static readonly TaskCompletionSource<AuditWriteException> s_neverFails = new();
}
