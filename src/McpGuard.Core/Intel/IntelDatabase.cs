using System.Collections.Frozen;
using System.Text.Json;
using NuGet.Versioning;

namespace McpGuard.Core.Intel;

/// <summary>
/// Known-malicious packages, indicator addresses/domains and brand-impersonation facts, merged from the
/// built-in data file and any imported OSV advisories. Immutable and thread-safe; every area can query it.
/// </summary>
public sealed class IntelDatabase
{
    private readonly FrozenDictionary<string, AdvisoryRecord[]> _byPackage;
    private readonly FrozenDictionary<string, BrandImpersonation> _impersonations;

    private IntelDatabase(IntelFile data)
    {
        _byPackage = data.Advisories
            .GroupBy(a => Key(a.Ecosystem, a.Name), StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.DistinctBy(a => a.Id, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        AdvisoryCount = data.Advisories.Select(a => a.Id).Distinct(StringComparer.Ordinal).Count();
        KnownBadEmailAddresses = data.EmailAddresses.Select(i => new Indicator(i.Value.ToLowerInvariant(), i.Advisory, i.Note))
            .DistinctBy(i => i.Value, StringComparer.Ordinal).ToArray();
        KnownBadDomains = data.Domains.Select(i => new Indicator(i.Value.ToLowerInvariant(), i.Advisory, i.Note))
            .DistinctBy(i => i.Value, StringComparer.Ordinal).ToArray();
        _impersonations = data.Impersonations
            .GroupBy(i => Key(i.Ecosystem, i.PackageName), StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>Distinct advisory ids known.</summary>
    public int AdvisoryCount { get; }

    /// <summary>Email addresses malicious packages are known to send data to (lowercase).</summary>
    public IReadOnlyList<Indicator> KnownBadEmailAddresses { get; }

    /// <summary>Domains malicious packages are known to send data to (lowercase, no leading dot).</summary>
    public IReadOnlyList<Indicator> KnownBadDomains { get; }

    /// <summary>Only the built-in data shipped inside McpGuard.</summary>
    public static IntelDatabase BuiltIn { get; } = new(LoadBuiltInFile());

    /// <summary>Built-in data plus advisories from other sources (imported OSV), de-duplicated by advisory id per package.</summary>
    public static IntelDatabase Create(IEnumerable<IntelSource> sources)
    {
        var merged = LoadBuiltInFile();
        foreach (var s in sources)
        {
            merged.Advisories.AddRange(s.Data.Advisories);
            merged.EmailAddresses.AddRange(s.Data.EmailAddresses);
            merged.Domains.AddRange(s.Data.Domains);
            merged.Impersonations.AddRange(s.Data.Impersonations);
        }

        return new IntelDatabase(merged);
    }

    /// <summary>
    /// What every command should use: built-in data, plus the local intel store (see <see cref="IntelStore.DefaultDataDirectory"/>),
    /// plus <paramref name="extra"/> sources (e.g. <see cref="OsvImporter.ImportDirectory"/> of a --osv folder).
    /// </summary>
    public static IntelDatabase LoadDefault(Func<string, string?> environment, string home, IEnumerable<IntelSource>? extra = null)
    {
        var sources = new List<IntelSource>();
        if (new IntelStore(IntelStore.DefaultDataDirectory(environment, home)).Load() is { } imported)
        {
            sources.Add(imported);
        }

        sources.AddRange(extra ?? []);
        return sources.Count == 0 ? BuiltIn : Create(sources);
    }

    /// <summary>
    /// True when <paramref name="version"/> of the package is covered by a known-malicious advisory. A null or
    /// unparseable version matches only advisories that cover every version or list that exact string.
    /// </summary>
    public bool IsMalicious(string ecosystem, string name, string? version, out Advisory? advisory)
    {
        advisory = FindAdvisories(ecosystem, name, version).FirstOrDefault();
        return advisory is not null;
    }

    /// <summary>Every advisory that covers this package version (see <see cref="IsMalicious"/>).</summary>
    public IReadOnlyList<Advisory> FindAdvisories(string ecosystem, string name, string? version)
    {
        if (!_byPackage.TryGetValue(Key(ecosystem, name), out var records))
        {
            return [];
        }

        var parsed = VersionRanges.ParseExact(version);
        var result = new List<Advisory>();
        foreach (var r in records)
        {
            var hit = VersionRanges.AffectsAllVersions(r)
                      || (version is not null && r.Versions.Contains(version.Trim(), StringComparer.Ordinal))
                      || (parsed is not null && (r.Versions.Any(v => VersionRanges.ParseExact(v) is { } pv && VersionComparer.VersionRelease.Equals(pv, parsed))
                                                 || r.Ranges.Any(range => VersionRanges.IsAffected(range, parsed))));
            if (hit)
            {
                result.Add(ToAdvisory(r));
            }
        }

        return result;
    }

    /// <summary>Advisories about this package name whatever the version (for "this name has a malicious history").</summary>
    public IReadOnlyList<Advisory> AdvisoriesFor(string ecosystem, string name) =>
        _byPackage.TryGetValue(Key(ecosystem, name), out var records) ? records.Select(ToAdvisory).ToArray() : [];

    /// <summary>True when intel says this package name imitates a brand that does not publish it.</summary>
    public bool TryGetImpersonation(string ecosystem, string name, out BrandImpersonation? impersonation) =>
        _impersonations.TryGetValue(Key(ecosystem, name), out impersonation);

    /// <summary>The indicator whose domain equals or is a parent of <paramref name="host"/>, if any.</summary>
    public Indicator? MatchDomain(string host)
    {
        var h = host.Trim().TrimEnd('.').ToLowerInvariant();
        return KnownBadDomains.FirstOrDefault(d => h == d.Value || h.EndsWith("." + d.Value, StringComparison.Ordinal));
    }

    /// <summary>The first known-bad address or domain that occurs in <paramref name="text"/> (case-insensitive), if any.</summary>
    public Indicator? FindIndicatorIn(string text)
    {
        foreach (var i in KnownBadEmailAddresses.Concat(KnownBadDomains))
        {
            if (text.Contains(i.Value, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return null;
    }

    private static Advisory ToAdvisory(AdvisoryRecord r) => new()
    {
        Id = r.Id,
        Summary = r.Summary,
        Ecosystem = r.Ecosystem,
        PackageName = r.Name,
        Source = r.Source,
        Behaviour = r.Behaviour,
    };

    // npm names are lowercase by registry rule; PyPI names compare after PEP 503 normalisation.
    internal static string Key(string ecosystem, string name)
    {
        var eco = ecosystem.Trim().ToLowerInvariant();
        var n = name.Trim().ToLowerInvariant();
        if (eco == "pypi")
        {
            n = string.Join('-', n.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries));
        }

        return eco + "\n" + n;
    }

    private static IntelFile LoadBuiltInFile()
    {
        using var stream = typeof(IntelDatabase).Assembly.GetManifestResourceStream("McpGuard.Core.Intel.builtin-intel.json")
                           ?? throw new InvalidOperationException("Built-in intel resource is missing from McpGuard.Core.");
        return JsonSerializer.Deserialize(stream, IntelJsonContext.Default.IntelFile)
               ?? throw new InvalidOperationException("Built-in intel resource is empty.");
    }
}

/// <summary>Intel loaded from somewhere other than the built-in file (an OSV folder, the local intel store).</summary>
public sealed class IntelSource
{
    internal IntelSource(string origin, IntelFile data)
    {
        Origin = origin;
        Data = data;
    }

    /// <summary>The folder or file it came from.</summary>
    public string Origin { get; }
    internal IntelFile Data { get; }
    public int AdvisoryCount => Data.Advisories.Select(a => a.Id).Distinct(StringComparer.Ordinal).Count();
}
