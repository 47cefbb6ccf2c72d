using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>Counts what one package analysis read, analysed and skipped, and turns the skips into an MCPG222 finding.</summary>
internal sealed class CoverageCounter(LoadedPackage package)
{
    private const int ListedPaths = 5;
    private readonly Dictionary<string, int> _skipped = new(package.ReadSkipped, StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _examples = new(StringComparer.Ordinal);
    private int _read;

    public int Analysed { get; set; }

    public long Bytes { get; private set; }

    public void Read(PackageFile file)
    {
        _read++;
        Bytes += file.Content.Length;
    }

    public void Skip(string reason, string path)
    {
        _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
        if (!_examples.TryGetValue(reason, out var list))
        {
            _examples[reason] = list = [];
        }

        if (list.Count < ListedPaths)
        {
            list.Add(path);
        }
    }

    /// <summary>The reason a non-JavaScript file that holds (or may hold) code is not analysed, or null for data and docs.</summary>
    public static string? NotAnalysedCode(PackageFile file)
    {
        var path = file.Path;
        if (path.EndsWith(".d.ts", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".d.mts", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".d.cts", StringComparison.OrdinalIgnoreCase))
        {
            return null; // declarations only: no runtime code
        }

        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".ts" or ".tsx" or ".mts" or ".cts" => CoverageReasons.TypeScript,
            ".jsx" => CoverageReasons.Jsx,
            ".wasm" => CoverageReasons.Binary,
            ".sh" or ".bash" or ".ps1" or ".bat" or ".cmd" or ".py" => CoverageReasons.OtherScript,
            _ => file.Content.AsSpan().StartsWith("\0asm"u8) ? CoverageReasons.Binary : null,
        };
    }

    public AnalysisCoverage ToCoverage() => new()
    {
        Package = package.DisplayName,
        Files = _read + package.ReadSkipped.Values.Sum(),
        Analysed = Analysed,
        Skipped = _skipped.Where(s => s.Value > 0).OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
        Truncated = package.Truncated,
    };

    /// <summary>One low finding per package when anything that holds code was not analysed; null when everything was.</summary>
    public Finding? Finding()
    {
        var total = _skipped.Values.Sum();
        if (total == 0)
        {
            return null;
        }

        var parts = _skipped.Where(s => s.Value > 0).OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s =>
            _examples.TryGetValue(s.Key, out var paths)
                ? $"{s.Value} {s.Key} ({string.Join(", ", paths)}{(s.Value > paths.Count ? ", …" : "")})"
                : $"{s.Value} {s.Key}");
        var evidence = new JsonObject();
        foreach (var (reason, count) in _skipped.Where(s => s.Value > 0).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            evidence[reason] = count;
        }

        var first = _examples.Values.SelectMany(p => p).FirstOrDefault();
        return FindingFactory.Create(AnalysisRules.FilesNotAnalysed,
            $"{total} file(s) of {package.DisplayName} were not analysed: {string.Join("; ", parts)}.",
            location: new SourceLocation { File = first ?? package.Origin },
            evidence: evidence);
    }
}
