using McpGuard.Core.Findings;

namespace McpGuard.Verify.Diff;

/// <summary>One thing NEW adds or changes, with its base score (0–10, research note §7.3) before context multipliers.</summary>
public sealed record DiffItem(Finding Finding, double BaseScore, bool InHandler, bool Weak)
{
    /// <summary>The score after multipliers, capped at 10.</summary>
    public double Score { get; init; }
}

/// <summary>The outcome of a diff: what NEW adds (as findings, worst first) and the verdict.</summary>
public sealed record DiffResult(
    string OldName,
    string NewName,
    IReadOnlyList<DiffItem> Items,
    McpGuard.Core.Reports.Verdict Verdict)
{
    /// <summary>What each side's analysis covered (old first, then new).</summary>
    public IReadOnlyList<McpGuard.Core.Reports.AnalysisCoverage> Coverage { get; init; } = [];

    /// <summary>MCPG222 for NEW when some of its files were not analysed; reported, but not part of the verdict's score.</summary>
    public IReadOnlyList<Finding> CoverageFindings { get; init; } = [];

    public IReadOnlyList<Finding> Findings => Items.Select(i => i.Finding).Concat(CoverageFindings).ToList();
}

/// <summary>Diff options: <see cref="Deep"/> also fetches and analyses added or changed dependencies from the registry.</summary>
public sealed record DiffOptions
{
    public bool Deep { get; init; }

    /// <summary>Dependencies analysed with --deep are bounded so a huge dependency tree cannot stall a review.</summary>
    public int MaxDeepDependencies { get; init; } = 25;
}
