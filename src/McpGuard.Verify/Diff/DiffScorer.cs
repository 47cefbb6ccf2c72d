using McpGuard.Core.Reports;

namespace McpGuard.Verify.Diff;

/// <summary>
/// Scores a set of diff items as the research note (§7.3) describes: context multipliers per item, then a
/// noisy-OR, score = 10·(1 − Π(1 − sᵢ/10)). Bands follow GuardDog: ≥ 7.6 block, ≥ 3.1 review, else ok.
/// </summary>
internal static class DiffScorer
{
    public const double BlockAt = 7.6;
    public const double ReviewAt = 3.1;

    // Many small changes are what a normal release looks like; on their own they may ask for a review but never
    // add up to a block (without this cap, twenty new doc URLs would outscore one hidden Bcc).
    private const double WeakCap = 5.0;

    public static double Multiplier(string? oldVersion, string? newVersion, bool inHandler, bool surgical, double baseScore, string file)
    {
        var m = Bump(oldVersion, newVersion) switch
        {
            "patch" => 1.3,
            "minor" => 1.1,
            "major" => 0.9,
            _ => 1.0,
        };
        if (inHandler)
        {
            m *= 1.2;
        }

        if (surgical && baseScore >= 7)
        {
            m *= 1.2;
        }

        if (IsNonRuntimePath(file))
        {
            m *= 0.3;
        }

        return m;
    }

    public static Verdict Decide(IReadOnlyList<DiffItem> items)
    {
        var strong = NoisyOr(items.Where(i => !i.Weak).Select(i => i.Score));
        var weak = Math.Min(WeakCap, NoisyOr(items.Where(i => i.Weak).Select(i => i.Score)));
        var score = Math.Round(NoisyOr([strong, weak]), 2);
        var anyCritical = items.Any(i => i.Finding.Severity == McpGuard.Core.Findings.Severity.Critical);
        var decision = anyCritical || score >= BlockAt ? "block" : score >= ReviewAt ? "review" : "ok";
        var reasons = items
            .OrderByDescending(i => i.Score)
            .Take(5)
            .Select(i => $"{i.Finding.Message} ({i.Finding.Location?.File}{(i.Finding.Location?.Line is int l ? ":" + l : "")}, +{i.Score:0.0})")
            .ToList();
        if (reasons.Count == 0)
        {
            reasons.Add("No behaviour change found between the two versions.");
        }

        return new Verdict(decision, score, reasons);
    }

    public static double NoisyOr(IEnumerable<double> scores)
    {
        var keep = 1.0;
        foreach (var s in scores)
        {
            keep *= 1 - (Math.Clamp(s, 0, 10) / 10);
        }

        return 10 * (1 - keep);
    }

    internal static string? Bump(string? oldVersion, string? newVersion)
    {
        if (!NuGet.Versioning.SemanticVersion.TryParse(oldVersion ?? "", out var o) || !NuGet.Versioning.SemanticVersion.TryParse(newVersion ?? "", out var n))
        {
            return null;
        }

        return n.Major != o.Major ? "major" : n.Minor != o.Minor ? "minor" : "patch";
    }

    private static bool IsNonRuntimePath(string file)
    {
        var f = "/" + file.Replace('\\', '/').ToLowerInvariant();
        return f.Contains("/test/", StringComparison.Ordinal) || f.Contains("/tests/", StringComparison.Ordinal) || f.Contains("/__tests__/", StringComparison.Ordinal)
            || f.Contains("/examples/", StringComparison.Ordinal) || f.Contains("/example/", StringComparison.Ordinal) || f.Contains("/docs/", StringComparison.Ordinal)
            || f.EndsWith(".test.js", StringComparison.Ordinal) || f.EndsWith(".spec.js", StringComparison.Ordinal);
    }
}
