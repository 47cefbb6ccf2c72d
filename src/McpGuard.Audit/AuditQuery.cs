namespace McpGuard.Audit;

/// <summary>Filters for listing audit records; null means "any". Matching is exact (ordinal).</summary>
public sealed record AuditQuery
{
    public string? Server { get; init; }
    public string? Tool { get; init; }
    public string? Decision { get; init; }
    public string? Kind { get; init; }

    /// <summary>Inclusive lower bound on the event time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Exclusive upper bound on the event time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Keep only the last N matching records (still returned oldest first); null for all.</summary>
    public int? Limit { get; init; }
}
