using System.Text.Json.Nodes;

namespace McpGuard.Core.Findings;

/// <summary>Where in a file a finding points. Line and column are 1-based.</summary>
public sealed record SourceLocation
{
    public required string File { get; init; }
    public int? Line { get; init; }
    public int? Column { get; init; }

    /// <summary>A short excerpt of the offending code or config line; never a secret value.</summary>
    public string? Snippet { get; init; }
}

/// <summary>
/// One thing McpGuard wants a person to look at. Immutable; produced by rules in every area
/// (scan, analysis, diff, runtime, investigation) and rendered by the report writers.
/// </summary>
public sealed record Finding
{
    public required string RuleId { get; init; }
    public required Severity Severity { get; init; }
    public required string Title { get; init; }

    /// <summary>What was found, in words a non-expert understands.</summary>
    public required string Message { get; init; }

    /// <summary>The configured server name this finding belongs to, when there is one.</summary>
    public string? Server { get; init; }

    public SourceLocation? Location { get; init; }

    /// <summary>What to do about it. Falls back to the rule's generic remediation.</summary>
    public string? Remediation { get; init; }

    /// <summary>Structured facts behind the finding (package, version, advisory id, variable names...). Never secret values.</summary>
    public JsonObject? Evidence { get; init; }
}
