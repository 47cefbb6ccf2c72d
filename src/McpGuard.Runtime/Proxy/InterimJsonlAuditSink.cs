using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Audit;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// INTERIM audit sink for `mcpguard run --audit PATH` until the hash-chained SQLite store is wired: one JSON line per
/// event, fsync'd before AppendAsync returns (so "audited before forwarded" holds). Not tamper-evident.
/// </summary>
public sealed class InterimJsonlAuditSink : IAuditSink
{
    private readonly FileStream _file;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public InterimJsonlAuditSink(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
    }

    public async ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        var json = new JsonObject
        {
            ["time"] = auditEvent.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["kind"] = auditEvent.Kind,
            ["server"] = auditEvent.Server,
            ["direction"] = auditEvent.Direction,
            ["method"] = auditEvent.Method,
            ["tool"] = auditEvent.Tool,
            ["requestId"] = auditEvent.RequestId,
            ["decision"] = auditEvent.Decision,
            ["reason"] = auditEvent.Reason,
            ["ruleId"] = auditEvent.RuleId,
            ["details"] = auditEvent.Details?.DeepClone(),
        };
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString() + "\n");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _file.WriteAsync(bytes, cancellationToken);
            _file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _gate.Dispose();
    }
}

/// <summary>Keeps events in memory (tests, and callers that inspect a session's events afterwards).</summary>
public sealed class InMemoryAuditSink : IAuditSink
{
    private readonly List<AuditEvent> _events = [];

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

    public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        lock (_events)
        {
            _events.Add(auditEvent);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
