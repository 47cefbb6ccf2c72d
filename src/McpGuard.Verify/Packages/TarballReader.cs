using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Packages;

/// <summary>
/// Reads an npm tarball (gzip + tar) entirely in memory. Nothing is extracted: entries that would escape the
/// package folder, links and devices are rejected with a finding, and limits stop the read with a finding.
/// </summary>
internal static class TarballReader
{
    public sealed record Result(IReadOnlyList<PackageFile> Files, IReadOnlyList<Finding> Findings);

    public static Result Read(Stream gzipped, string origin, PackageLimits limits)
    {
        var files = new List<PackageFile>();
        var findings = new List<Finding>();
        long total = 0;
        var entries = 0;
        try
        {
            using var gz = new GZipStream(gzipped, CompressionMode.Decompress, leaveOpen: true);
            using var tar = new TarReader(gz, leaveOpen: true);
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                if (++entries > limits.MaxEntries)
                {
                    findings.Add(Limit(origin, $"the archive has more than {limits.MaxEntries} entries; the rest was not read"));
                    break;
                }

                if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
                {
                    continue;
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                {
                    findings.Add(Rejected(origin, entry.Name, $"a {entry.EntryType} entry (links and devices can point outside the package)"));
                    continue;
                }

                var path = NormalisePath(entry.Name);
                if (path is null)
                {
                    findings.Add(Rejected(origin, entry.Name, "a path that is absolute or climbs out of the package with '..'"));
                    continue;
                }

                if (entry.Length > limits.MaxFileBytes)
                {
                    findings.Add(Limit(origin, $"{path} is {entry.Length} bytes, over the {limits.MaxFileBytes}-byte file limit; it was not read", path));
                    continue;
                }

                total += entry.Length;
                if (total > limits.MaxTotalBytes)
                {
                    findings.Add(Limit(origin, $"the package unpacks to more than {limits.MaxTotalBytes} bytes; the rest was not read"));
                    break;
                }

                var content = new byte[entry.Length];
                if (entry.DataStream is { } data)
                {
                    data.ReadExactly(content);
                }

                files.Add(new PackageFile(path, content));
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            // Fail closed on the part we could not read: report it, keep what was read (it may hold the evidence).
            findings.Add(FindingFactory.Create(GeneralRules.InputUnreadable,
                $"{origin} is not a readable npm tarball ({ex.Message}); only {files.Count} files were read.",
                location: new SourceLocation { File = origin }));
        }

        return new Result(files, findings);
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

    public static JsonObject? ReadManifest(IReadOnlyList<PackageFile> files)
    {
        var pj = files.FirstOrDefault(f => f.Path == "package.json");
        if (pj is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(pj.Content, documentOptions: new System.Text.Json.JsonDocumentOptions
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
