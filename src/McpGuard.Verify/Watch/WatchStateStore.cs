using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.Reports;

namespace McpGuard.Verify.Watch;

/// <summary>What watch remembers about one package and baseline: the packument's ETag and the versions already reviewed.</summary>
internal sealed class WatchPackageState
{
    public string? ETag { get; set; }

    /// <summary>version → verdict already reported (block/review/ok/error), so a version is reported once.</summary>
    public Dictionary<string, string> Reviewed { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Persists ETags and reviewed versions in &lt;data dir&gt;/watch/state.json (folder 0700, written atomically). It is a
/// cache of what was already reported, never an approval: losing it only means versions are reported again.
/// </summary>
internal sealed class WatchStateStore
{
    public const string FileName = "state.json";

    private static readonly JsonDocumentOptions s_options = new() { AllowDuplicateProperties = false, MaxDepth = 16 };
    private readonly Dictionary<string, WatchPackageState> _packages;

    private WatchStateStore(string? path, Dictionary<string, WatchPackageState> packages, string? loadProblem)
    {
        Path = path;
        _packages = packages;
        LoadProblem = loadProblem;
    }

    /// <summary>The file, or null for an in-memory store (tests, --once without a data folder).</summary>
    public string? Path { get; }

    /// <summary>Why the stored state could not be read (it was then ignored), else null.</summary>
    public string? LoadProblem { get; }

    public static string DefaultPath(Func<string, string?>? getEnvironmentVariable) =>
        System.IO.Path.Combine(DataDirectory.Resolve(getEnvironmentVariable), "watch", FileName);

    public static WatchStateStore InMemory() => new(null, new(StringComparer.Ordinal), null);

    /// <summary>
    /// Loads the state. Fails open to an empty state when the file is unreadable: the state only suppresses repeated
    /// reports, so starting over re-reports versions but can never hide one.
    /// </summary>
    public static WatchStateStore Load(string path)
    {
        var packages = new Dictionary<string, WatchPackageState>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return new WatchStateStore(path, packages, null);
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: s_options) as JsonObject;
            foreach (var (key, node) in root?["packages"] as JsonObject ?? [])
            {
                var state = new WatchPackageState { ETag = (node?["etag"] as JsonValue)?.TryGetValue<string>(out var e) == true ? e : null };
                foreach (var (version, verdict) in node?["reviewed"] as JsonObject ?? [])
                {
                    if ((verdict as JsonValue)?.TryGetValue<string>(out var v) == true)
                    {
                        state.Reviewed[version] = v;
                    }
                }

                packages[key] = state;
            }

            return new WatchStateStore(path, packages, null);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new WatchStateStore(path, new(StringComparer.Ordinal), $"watch state {path} could not be read ({ex.Message}); starting over, already-reported versions may be reported again");
        }
    }

    public WatchPackageState Get(string registry, string package, string baseline)
    {
        var key = $"{registry} {package}@{baseline}";
        if (!_packages.TryGetValue(key, out var state))
        {
            state = new WatchPackageState();
            _packages[key] = state;
        }

        return state;
    }

    /// <summary>Writes the whole state atomically (temp file + rename) into a private folder.</summary>
    public void Save()
    {
        if (Path is null)
        {
            return;
        }

        var packages = new JsonObject();
        foreach (var (key, state) in _packages.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var reviewed = new JsonObject();
            foreach (var (version, verdict) in state.Reviewed.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                reviewed[version] = verdict;
            }

            packages[key] = new JsonObject { ["etag"] = state.ETag, ["reviewed"] = reviewed };
        }

        DataDirectory.CreatePrivate(System.IO.Path.GetDirectoryName(Path)!);
        AtomicFile.WriteAllText(Path, new JsonObject { ["version"] = 1, ["packages"] = packages }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
