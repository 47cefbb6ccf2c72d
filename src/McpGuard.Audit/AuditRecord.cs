namespace McpGuard.Audit;

/// <summary>
/// One stored audit record: the (redacted) fields of an <see cref="AuditEvent"/> as text, its position in the
/// chain and its hashes. <see cref="Details"/> is the exact JSON text that was hashed, never re-serialised.
/// See docs/audit.md for the canonical form.
/// </summary>
public sealed record AuditRecord
{
    public required long Seq { get; init; }

    /// <summary>UTC, ISO 8601 with seven fractional digits ("2026-11-23T20:28:10.1234567Z").</summary>
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

    /// <summary>Compact JSON text of the redacted details object, or null.</summary>
    public string? Details { get; init; }

    /// <summary>Lowercase hex SHA-256 of the previous record (64 zeros for the first record).</summary>
    public required string PrevHash { get; init; }

    /// <summary>Lowercase hex SHA-256(prev hash bytes ‖ UTF-8 canonical form of this record).</summary>
    public required string EntryHash { get; init; }
}
