using NuGet.Versioning;

namespace McpGuard.Core.Intel;

/// <summary>
/// Evaluates OSV affected ranges for npm-style semantic versions. Comparison is NuGet.Versioning's SemVer 2.0
/// ordering (prerelease below release, build metadata ignored), which is npm's ordering for real version strings.
/// </summary>
public static class VersionRanges
{
    /// <summary>Parses an npm/PyPI version string ("1.0.16", "v2.0.0", "=1.2.3"); null when it is not one exact version.</summary>
    public static NuGetVersion? ParseExact(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim();
        if (t.StartsWith('=') || t.StartsWith('v') || t.StartsWith('V'))
        {
            t = t.TrimStart('=', 'v', 'V').Trim();
        }

        return NuGetVersion.TryParse(t, out var v) ? v : null;
    }

    /// <summary>
    /// True when an npm spec names exactly one version (what "pinned" means for a launch). Strict SemVer: npm
    /// reads "1" or "1.2" as ranges, and "^1.2.3", "~1.2.3", "1.x", "latest" are not one version either.
    /// </summary>
    public static bool IsExactSemVer(string? text) =>
        text is not null && SemanticVersion.TryParse(text.Trim().TrimStart('=', 'v').Trim(), out _);

    /// <summary>
    /// OSV semantics: walking the events in version order, an "introduced" at or below the version switches it on,
    /// a "fixed" at or below it switches it off, a "last_affected" strictly below it switches it off.
    /// </summary>
    internal static bool IsAffected(RangeRecord range, NuGetVersion version)
    {
        var events = new List<(NuGetVersion At, int Kind)>(range.Events.Count);
        foreach (var e in range.Events)
        {
            if (e.Introduced is { } i)
            {
                events.Add((i == "0" ? new NuGetVersion(0, 0, 0, "0") : ParseExact(i) ?? Unparseable(), 0));
            }
            else if (e.Fixed is { } f)
            {
                events.Add((ParseExact(f) ?? Unparseable(), 1));
            }
            else if (e.LastAffected is { } l)
            {
                events.Add((ParseExact(l) ?? Unparseable(), 2));
            }
        }

        events.Sort((a, b) => VersionComparer.VersionRelease.Compare(a.At, b.At));
        var affected = false;
        foreach (var (at, kind) in events)
        {
            var cmp = VersionComparer.VersionRelease.Compare(at, version);
            switch (kind)
            {
                case 0 when cmp <= 0: affected = true; break;
                case 1 when cmp <= 0: affected = false; break;
                case 2 when cmp < 0: affected = false; break;
                default: break;
            }
        }

        return affected;
    }

    /// <summary>True when the ranges cover every version (introduced "0", nothing fixed): any copy is malicious.</summary>
    internal static bool AffectsAllVersions(AdvisoryRecord advisory) =>
        advisory.Ranges.Any(r => r.Events.Any(e => e.Introduced == "0")
                                 && r.Events.All(e => e.Fixed is null && e.LastAffected is null));

    // An event we cannot parse is treated as the highest possible version: an unparseable "introduced" then
    // affects nothing and an unparseable "fixed" never fixes, so ranges fail towards reporting (fail closed)
    // only where an explicit earlier "introduced" already applies.
    private static NuGetVersion Unparseable() => new(int.MaxValue, int.MaxValue, int.MaxValue);
}
