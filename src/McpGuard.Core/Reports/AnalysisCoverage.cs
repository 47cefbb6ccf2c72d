namespace McpGuard.Core.Reports;

/// <summary>
/// What a package analysis looked at and what it could not: a partial analysis must never read like a clean one.
/// Files = every regular file read from the package; Analysed = JavaScript files parsed and checked; Skipped = files
/// holding code (or possibly code) that were not checked, by reason; the rest are data and documentation.
/// </summary>
public sealed record AnalysisCoverage
{
    /// <summary>name@version (or the folder/file name) of the package this coverage is about.</summary>
    public required string Package { get; init; }

    public int Files { get; init; }

    public int Analysed { get; init; }

    /// <summary>Reason (see <see cref="CoverageReasons"/>) → number of files; reasons with no file are absent.</summary>
    public IReadOnlyDictionary<string, int> Skipped { get; init; } = new Dictionary<string, int>();

    /// <summary>True when a limit stopped reading the package, so files after that point are not even counted.</summary>
    public bool Truncated { get; init; }

    public int SkippedTotal => Skipped.Values.Sum();

    /// <summary>One line for people: "x@1: 12 of 40 files analysed as JavaScript; not analysed: 3 typescript, 1 too-large".</summary>
    public string Describe()
    {
        var text = $"{Package}: {Analysed} JavaScript file(s) analysed of {Files} file(s) read";
        if (Skipped.Count > 0)
        {
            text += "; not analysed: " + string.Join(", ", Skipped.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Value} {s.Key}"));
        }

        return Truncated ? text + "; reading stopped at a package limit, later files were not seen" : text;
    }
}

/// <summary>The stable reason names used in <see cref="AnalysisCoverage.Skipped"/> (JSON contract).</summary>
public static class CoverageReasons
{
    /// <summary>.ts/.tsx/.mts/.cts sources (declaration files .d.ts hold no runtime code and are not counted).</summary>
    public const string TypeScript = "typescript";

    /// <summary>.jsx, which the JavaScript parser does not accept.</summary>
    public const string Jsx = "jsx";

    /// <summary>JavaScript over the per-file JavaScript size limit (typically a huge minified bundle).</summary>
    public const string TooLarge = "too-large";

    /// <summary>JavaScript that did not parse as a module nor as a script, or was nested too deeply.</summary>
    public const string ParseError = "parse-error";

    /// <summary>Native executables (ELF, PE, Mach-O) and WebAssembly modules.</summary>
    public const string Binary = "binary";

    /// <summary>Shell, PowerShell, batch and Python scripts: code McpGuard does not analyse.</summary>
    public const string OtherScript = "other-script";

    /// <summary>Files not read because they were over the archive's per-file size limit.</summary>
    public const string OverLimit = "over-limit";

    /// <summary>Archive entries refused: links, devices, paths escaping the package.</summary>
    public const string Rejected = "rejected";
}
