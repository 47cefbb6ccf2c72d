using System.Text.Json.Nodes;

namespace McpGuard.Audit;

/// <summary>
/// One audited fact: a message seen, a decision taken, an egress request judged, a process started or ended.
/// Fields are metadata plus redacted details; message bodies and secrets never go in.
/// </summary>
public sealed record AuditEvent
{
    public required DateTimeOffset Time { get; init; }

    /// <summary>message, decision, tool-call, egress, process, pin, approval, watch...</summary>
    public required string Kind { get; init; }

    /// <summary>The server name (from the client config or --name), when the event belongs to one.</summary>
    public string? Server { get; init; }

    /// <summary>client-to-server, server-to-client, egress, or null.</summary>
    public string? Direction { get; init; }

    public string? Method { get; init; }
    public string? Tool { get; init; }
    public string? RequestId { get; init; }

    /// <summary>allow, block, alert, error, info.</summary>
    public required string Decision { get; init; }

    public string? Reason { get; init; }
    public string? RuleId { get; init; }

    /// <summary>Structured, already-redacted details (arguments, recipients, sizes, exit codes).</summary>
    public JsonObject? Details { get; init; }
}
