namespace McpGuard.Audit;

/// <summary>
/// An event as it will be stored, before it has a place in the chain: redacted text fields and the details as the
/// UTF-8 JSON text that is stored and hashed. Built on the appender's thread; chained and written by the commit.
/// </summary>
internal sealed class PreparedAuditRecord
{
    public required string Time { get; init; }
    public required string Kind { get; init; }
    public string? Server { get; init; }
    public string? Direction { get; init; }
    public string? Method { get; init; }
    public string? Tool { get; init; }
    public string? RequestId { get; init; }
    public required string Decision { get; init; }
    public string? Reason { get; init; }
    public string? RuleId { get; init; }

    /// <summary>Compact JSON text (UTF-8) of the redacted details, or null.</summary>
    public byte[]? Details { get; init; }

    public static PreparedAuditRecord From(AuditRecord r) => new()
    {
        Time = r.Time,
        Kind = r.Kind,
        Server = r.Server,
        Direction = r.Direction,
        Method = r.Method,
        Tool = r.Tool,
        RequestId = r.RequestId,
        Decision = r.Decision,
        Reason = r.Reason,
        RuleId = r.RuleId,
        Details = r.Details is null ? null : System.Text.Encoding.UTF8.GetBytes(r.Details),
    };
}
