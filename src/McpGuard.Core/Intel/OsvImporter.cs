using System.Text.Json;

namespace McpGuard.Core.Intel;

/// <summary>What an OSV import read: the intel, and what it skipped and why.</summary>
public sealed record OsvImportResult(IntelSource Intel, int FilesRead, int Withdrawn, IReadOnlyList<string> Problems)
{
    public int Advisories => Intel.AdvisoryCount;
}

/// <summary>
/// Reads OSV advisories from a folder in the ossf/malicious-packages layout (<c>&lt;ecosystem&gt;/&lt;name&gt;/MAL-*.json</c>,
/// any depth). Withdrawn advisories are skipped; a file that is not valid OSV is listed in Problems and the import goes on.
/// </summary>
public static class OsvImporter
{
    private static readonly JsonDocumentOptions s_json = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    public static OsvImportResult ImportDirectory(string directory, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(directory))
        {
            throw new UserInputException($"OSV folder not found: {directory}");
        }

        var data = new IntelFile();
        var problems = new List<string>();
        int files = 0, withdrawn = 0;
        var paths = Directory.EnumerateFiles(directory, "*.json", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Order(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            files++;
            try
            {
                // InputFile: a named pipe named *.json in the folder is reported like an unreadable file, not waited on.
                using var stream = IO.InputFile.TryOpenRead(path, out var opened, out var problem) ? opened : throw new IOException(problem);
                using var doc = JsonDocument.Parse(stream, s_json);
                switch (Read(doc.RootElement, Path.GetFileNameWithoutExtension(path), data.Advisories))
                {
                    case ReadOutcome.Withdrawn: withdrawn++; break;
                    case ReadOutcome.NotOsv: problems.Add($"{path}: not an OSV advisory (no id/affected)"); break;
                    default: break;
                }
            }
            catch (JsonException ex)
            {
                problems.Add($"{path}:{(ex.LineNumber ?? 0) + 1}: invalid JSON ({ex.Message.Split('.')[0]})");
            }
            catch (IOException ex)
            {
                problems.Add($"{path}: {ex.Message}");
            }
        }

        return new OsvImportResult(new IntelSource(directory, data), files, withdrawn, problems);
    }

    private enum ReadOutcome { Added, Withdrawn, NotOsv, Ignored }

    private static ReadOutcome Read(JsonElement root, string fileId, List<AdvisoryRecord> into)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("id", out var idEl) || idEl.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("affected", out var affected) || affected.ValueKind != JsonValueKind.Array)
        {
            return ReadOutcome.NotOsv;
        }

        // A withdrawn advisory was a false positive: honouring it avoids telling users to remove a good package.
        if (root.TryGetProperty("withdrawn", out var w) && w.ValueKind == JsonValueKind.String && w.GetString() is { Length: > 0 })
        {
            return ReadOutcome.Withdrawn;
        }

        // Pre-assignment submissions (MAL-0000-...) carry an empty id; their file name is their identity.
        var id = idEl.GetString() is { Length: > 0 } given ? given : fileId;
        var summary = root.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() ?? "" : "";
        var added = false;
        foreach (var a in affected.EnumerateArray())
        {
            if (!a.TryGetProperty("package", out var pkg) || pkg.ValueKind != JsonValueKind.Object
                || Str(pkg, "ecosystem") is not { } eco || Str(pkg, "name") is not { } name)
            {
                continue;
            }

            var record = new AdvisoryRecord { Id = id, Summary = summary, Ecosystem = eco.ToLowerInvariant(), Name = name, Source = "osv" };
            if (a.TryGetProperty("ranges", out var ranges) && ranges.ValueKind == JsonValueKind.Array)
            {
                foreach (var r in ranges.EnumerateArray())
                {
                    var type = Str(r, "type") ?? "";
                    // GIT ranges are commit hashes, meaningless for installed package versions.
                    if (type is not ("SEMVER" or "ECOSYSTEM") || !r.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
                    {
                        continue;
                    }

                    var range = new RangeRecord { Type = type };
                    foreach (var e in events.EnumerateArray())
                    {
                        range.Events.Add(new RangeEvent
                        {
                            Introduced = Str(e, "introduced"),
                            Fixed = Str(e, "fixed"),
                            LastAffected = Str(e, "last_affected"),
                            Limit = Str(e, "limit"),
                        });
                    }

                    record.Ranges.Add(range);
                }
            }

            if (a.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array)
            {
                record.Versions.AddRange(versions.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
            }

            into.Add(record);
            added = true;
        }

        return added ? ReadOutcome.Added : ReadOutcome.Ignored;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
