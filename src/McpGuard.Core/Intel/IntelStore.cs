using System.Text.Json;
using McpGuard.Core.Reports;

namespace McpGuard.Core.Intel;

/// <summary>
/// The local data directory where <c>mcpguard intel import</c> keeps imported advisories, so later scans use
/// them offline. One file, <c>intel/imported.json</c>, written atomically.
/// </summary>
public sealed class IntelStore(string dataDirectory)
{
    public string DataDirectory { get; } = dataDirectory;

    public string ImportedFile => Path.Combine(DataDirectory, "intel", "imported.json");

    /// <summary>
    /// <c>MCPGUARD_HOME</c> if set, else <c>$XDG_DATA_HOME/mcpguard</c>, else <c>&lt;home&gt;/.local/share/mcpguard</c>.
    /// </summary>
    public static string DefaultDataDirectory(Func<string, string?> env, string home) =>
        Core.DataDirectory.Resolve(name => name == "HOME" ? home : env(name));

    /// <summary>The imported intel, or null when nothing was imported yet.</summary>
    public IntelSource? Load()
    {
        if (!File.Exists(ImportedFile))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(ImportedFile);
            var data = JsonSerializer.Deserialize(stream, IntelJsonContext.Default.IntelFile) ?? new IntelFile();
            return new IntelSource(ImportedFile, data);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"imported intel is corrupt: {ImportedFile}:{(ex.LineNumber ?? 0) + 1}; run 'mcpguard intel import DIR' again", ex);
        }
    }

    /// <summary>Adds the source's advisories to the store; an advisory id already stored is replaced by the new copy.</summary>
    public int Save(IntelSource source)
    {
        var existing = Load()?.Data ?? new IntelFile();
        var newIds = source.Data.Advisories.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var merged = new IntelFile
        {
            Advisories = [.. existing.Advisories.Where(a => !newIds.Contains(a.Id)), .. source.Data.Advisories],
            EmailAddresses = [.. existing.EmailAddresses, .. source.Data.EmailAddresses],
            Domains = [.. existing.Domains, .. source.Data.Domains],
            Impersonations = [.. existing.Impersonations, .. source.Data.Impersonations],
        };
        AtomicFile.WriteAllText(ImportedFile, JsonSerializer.Serialize(merged, IntelJsonContext.Default.IntelFile));
        return merged.Advisories.Select(a => a.Id).Distinct(StringComparer.Ordinal).Count();
    }
}
