namespace McpGuard.Audit;

/// <summary>
/// Where audit events go. <see cref="AppendAsync"/> returns only once the event is durable, because the proxy
/// forwards a message only after its event is committed: a crash at any moment must lose no forwarded event.
/// </summary>
public interface IAuditSink : IAsyncDisposable
{
    ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);
}
