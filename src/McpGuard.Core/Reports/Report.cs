using McpGuard.Core.Findings;

namespace McpGuard.Core.Reports;

/// <summary>The package a configured server runs, as far as McpGuard could resolve it.</summary>
public sealed record PackageInfo
{
    /// <summary>npm, pypi, docker, local or remote.</summary>
    public required string Ecosystem { get; init; }
    public required string Name { get; init; }

    /// <summary>The version that really runs (installed), else the requested one; null when unknown.</summary>
    public string? Version { get; init; }

    /// <summary>True when the launch names one exact version (or a docker digest), so it cannot silently change.</summary>
    public bool Pinned { get; init; }

    /// <summary>What the launch asked for: an exact version, a range, a dist-tag, or null for "whatever is latest".</summary>
    public string? Requested { get; init; }

    /// <summary>Where the installed copy was found (npx cache, node_modules...), when it was.</summary>
    public string? InstalledPath { get; init; }
}

/// <summary>One configured MCP server and what was found about it.</summary>
public sealed record ServerReport
{
    public required string Client { get; init; }
    public required string ConfigPath { get; init; }
    public required string Name { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public string? Url { get; init; }
    public PackageInfo? Package { get; init; }

    /// <summary>True when the config launches the server through <c>mcpguard run</c>.</summary>
    public bool Guarded { get; init; }

    public IReadOnlyList<Finding> Findings { get; init; } = [];
}

/// <summary>Something McpGuard could not do (a broken file, an unreachable registry); the run went on without it.</summary>
public sealed record Diagnostic(string File, int? Line, string Message);

public sealed record ReportSummary
{
    public int Servers { get; init; }
    public int Critical { get; init; }
    public int High { get; init; }
    public int Medium { get; init; }
    public int Low { get; init; }
    public int Info { get; init; }

    public static ReportSummary From(int servers, IEnumerable<Finding> findings)
    {
        int c = 0, h = 0, m = 0, l = 0, i = 0;
        foreach (var f in findings)
        {
            switch (f.Severity)
            {
                case Severity.Critical: c++; break;
                case Severity.High: h++; break;
                case Severity.Medium: m++; break;
                case Severity.Low: l++; break;
                default: i++; break;
            }
        }

        return new ReportSummary { Servers = servers, Critical = c, High = h, Medium = m, Low = l, Info = i };
    }
}

/// <summary>
/// The stable report shape of DESIGN.md ("tool", "version", "servers", "findings", "summary").
/// Optional sections (diagnostics, verdict, coverage) are omitted from JSON when empty.
/// </summary>
public sealed record Report
{
    public string Tool { get; init; } = "mcpguard";
    public string Version { get; init; } = ToolInfo.Version;
    public IReadOnlyList<ServerReport> Servers { get; init; } = [];

    /// <summary>Every finding, the servers' included, worst first.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public ReportSummary Summary { get; init; } = new();
    public IReadOnlyList<Diagnostic>? Diagnostics { get; init; }

    /// <summary>For diffs and reviews: block, review or ok, with the reasons.</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>For package analyses and diffs: what was analysed and what was skipped, per package.</summary>
    public IReadOnlyList<AnalysisCoverage>? Coverage { get; init; }

    /// <summary>Builds a report whose flat findings list and summary are derived from the servers plus extra findings.</summary>
    public static Report Create(
        IReadOnlyList<ServerReport> servers,
        IEnumerable<Finding>? otherFindings = null,
        IReadOnlyList<Diagnostic>? diagnostics = null,
        Verdict? verdict = null,
        IReadOnlyList<AnalysisCoverage>? coverage = null)
    {
        var all = servers.SelectMany(s => s.Findings)
            .Concat(otherFindings ?? [])
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ThenBy(f => f.Server, StringComparer.Ordinal)
            .ToList();
        return new Report
        {
            Servers = servers,
            Findings = all,
            Summary = ReportSummary.From(servers.Count, all),
            Diagnostics = diagnostics is { Count: > 0 } ? diagnostics : null,
            Verdict = verdict,
            Coverage = coverage is { Count: > 0 } ? coverage : null,
        };
    }

    public Severity? WorstSeverity => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);
}

/// <summary>The outcome of reviewing a change: block, review or ok, a 0–10 score and the reasons.</summary>
public sealed record Verdict(string Decision, double Score, IReadOnlyList<string> Reasons);

public static class ToolInfo
{
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public const string InformationUri = "https://github.com/mcpguard/mcpguard";
}
