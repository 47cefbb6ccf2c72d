using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Packages;

/// <summary>What reading a package met besides its files: findings, files not read by reason, and whether a limit stopped it.</summary>
internal sealed class ReadLog
{
    public List<Finding> Findings { get; } = [];

    public Dictionary<string, int> Skipped { get; } = new(StringComparer.Ordinal);

    public bool Truncated { get; set; }

    public void Skip(string reason) => Skipped[reason] = Skipped.GetValueOrDefault(reason) + 1;
}

/// <summary>
/// Reads an npm tarball (gzip + tar) from memory, one entry at a time. Nothing is extracted: entries that would
/// escape the package folder, links and devices are rejected with a finding, and limits stop the read with a finding.
/// </summary>
internal static class TarballReader
{
    public sealed record Result(IReadOnlyList<PackageFile> Files, ReadLog Log);

    /// <summary>Reads every file into memory (tests and small tools; analysis streams with <see cref="Entries"/>).</summary>
    public static Result Read(Stream gzipped, string origin, PackageLimits limits)
    {
        var log = new ReadLog();
        return new Result(Entries(gzipped, origin, limits, log).ToList(), log);
    }

    /// <summary>
    /// Yields the package's regular files in archive order, each read only when reached, so a caller that drops each
    /// file before asking for the next holds one file at a time. <paramref name="wanted"/> (when given) selects the
    /// files whose content is read; the others are skipped in the stream but still counted against the limits.
    /// </summary>
    public static IEnumerable<PackageFile> Entries(Stream gzipped, string origin, PackageLimits limits, ReadLog log, Func<string, bool>? wanted = null)
    {
        long total = 0;
        var entries = 0;
        var read = 0;
        using var gz = new GZipStream(gzipped, CompressionMode.Decompress, leaveOpen: true);
        using var tar = new TarReader(gz, leaveOpen: true);
        while (Next(tar, origin, log, read) is { } entry)
        {
            if (++entries > limits.MaxEntries)
            {
                log.Findings.Add(Limit(origin, $"the archive has more than {limits.MaxEntries} entries; the rest was not read"));
                log.Truncated = true;
                yield break;
            }

            if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
            {
                continue;
            }

            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
            {
                log.Findings.Add(Rejected(origin, entry.Name, $"a {entry.EntryType} entry (links and devices can point outside the package)"));
                log.Skip(CoverageReasons.Rejected);
                continue;
            }

            var path = NormalisePath(entry.Name);
            if (path is null)
            {
                log.Findings.Add(Rejected(origin, entry.Name, "a path that is absolute or climbs out of the package with '..'"));
                log.Skip(CoverageReasons.Rejected);
                continue;
            }

            if (entry.Length > limits.MaxFileBytes)
            {
                log.Findings.Add(Limit(origin, $"{path} is {entry.Length} bytes, over the {limits.MaxFileBytes}-byte file limit; it was not read", path));
                log.Skip(CoverageReasons.OverLimit);
                continue;
            }

            total += entry.Length;
            if (total > limits.MaxTotalBytes)
            {
                log.Findings.Add(Limit(origin, $"the package unpacks to more than {limits.MaxTotalBytes} bytes; the rest was not read"));
                log.Truncated = true;
                yield break;
            }

            if (wanted is not null && !wanted(path))
            {
                read++; // counted as read in every pass, so the passes report the same findings
                continue;
            }

            if (ReadContent(entry, origin, log, read) is not { } content)
            {
                yield break;
            }

            read++;
            yield return new PackageFile(path, content);
        }
    }

    private static TarEntry? Next(TarReader tar, string origin, ReadLog log, int read)
    {
        try
        {
            return tar.GetNextEntry(copyData: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            Unreadable(origin, log, read, ex);
            return null;
        }
    }

    private static byte[]? ReadContent(TarEntry entry, string origin, ReadLog log, int read)
    {
        try
        {
            var content = new byte[entry.Length];
            entry.DataStream?.ReadExactly(content);
            return content;
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            Unreadable(origin, log, read, ex);
            return null;
        }
    }

    // Fail closed on the part we could not read: report it, keep what was read (it may hold the evidence).
    private static void Unreadable(string origin, ReadLog log, int read, Exception ex)
    {
        log.Truncated = true;
        log.Findings.Add(FindingFactory.Create(GeneralRules.InputUnreadable,
            $"{origin} is not a readable npm tarball ({ex.Message}); only {read} files were read.",
            location: new SourceLocation { File = origin }));
    }

    /// <summary>Strips npm's top folder ("package/" or any single first segment) and rejects escaping paths.</summary>
    internal static string? NormalisePath(string name)
    {
        var p = name.Replace('\\', '/');
        if (p.StartsWith('/') || (p.Length >= 2 && p[1] == ':'))
        {
            return null;
        }

        var segments = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            return null;
        }

        var kept = segments.Where(s => s != ".").ToArray();
        if (kept.Length < 2)
        {
            // A file at the top level, beside npm's package/ folder: keep it rather than hide it from analysis.
            return kept.Length == 1 ? kept[0] : null;
        }

        return string.Join('/', kept.Skip(1));
    }

    public static JsonObject? ParseManifest(byte[]? content)
    {
        if (content is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content, documentOptions: new System.Text.Json.JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
            }) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static Finding Rejected(string origin, string entry, string why) =>
        FindingFactory.Create(AnalysisRules.ArchiveEntryRejected,
            $"The archive entry '{Truncate(entry)}' was rejected: {why}. Nothing was written for it.",
            location: new SourceLocation { File = origin },
            evidence: new JsonObject { ["entry"] = Truncate(entry) });

    private static Finding Limit(string origin, string what, string? file = null) =>
        FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded, $"Analysis is incomplete: {what}.",
            location: new SourceLocation { File = file ?? origin });

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
