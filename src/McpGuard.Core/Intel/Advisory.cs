namespace McpGuard.Core.Intel;

/// <summary>A known-malicious package advisory (an OSV MAL-* record or a built-in indicator), as reported to users.</summary>
public sealed record Advisory
{
    /// <summary>The advisory id, e.g. MAL-2025-47604.</summary>
    public required string Id { get; init; }
    public required string Summary { get; init; }

    /// <summary>Lowercase ecosystem: npm, pypi...</summary>
    public required string Ecosystem { get; init; }
    public required string PackageName { get; init; }

    /// <summary>Where McpGuard got it: "built-in" or "osv".</summary>
    public required string Source { get; init; }

    /// <summary>What the malicious versions do, when the built-in data says (used in remediation text).</summary>
    public string? Behaviour { get; init; }
}

/// <summary>A package name that imitates a vendor's brand while the vendor does not publish it.</summary>
public sealed record BrandImpersonation
{
    public required string Ecosystem { get; init; }
    public required string PackageName { get; init; }
    public required string Brand { get; init; }

    /// <summary>The vendor's own package or repository, when it has one.</summary>
    public string? Official { get; init; }
    public required string Note { get; init; }
}

/// <summary>An indicator of compromise (an address or a domain) and the advisory it comes from.</summary>
public sealed record Indicator(string Value, string AdvisoryId, string Note);
