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

    /// <summary>
    /// Structured details (arguments, recipients, exit codes). The sink redacts them while it serialises them and
    /// never modifies this object, so a caller may pass a tree it keeps using (the proxy's tool-call arguments).
    /// </summary>
    public JsonObject? Details { get; init; }

    /// <summary>
    /// Size in bytes of the message the event describes, stored as the first member of the details ("bytes"), so
    /// that the common message event needs no JSON tree. A "bytes" member of <see cref="Details"/> is then left out (likewise "arguments" for <see cref="Arguments"/>).
    /// </summary>
    public long? Bytes { get; init; }

    /// <summary>
    /// A tool call's arguments object as parsed (a cloned element, independent of the message's buffer), stored as the
    /// details member "arguments" after <see cref="Bytes"/>; redacted by the sink while it writes them.
    /// </summary>
    public System.Text.Json.JsonElement? Arguments { get; init; }
}
