using System.Collections.Concurrent;
using System.Text.Json;
using McpGuard.Core.IO;

namespace McpGuard.Verify.Resolution;

/// <summary>
/// Finds installed copies of npm packages: the npx cache (<c>&lt;cache&gt;/_npx/&lt;hash&gt;/node_modules/&lt;name&gt;</c>),
/// global node_modules and a project's node_modules. Folder listings are cached, so one locator serves a whole scan.
/// </summary>
public sealed class NpmInstallLocator
{
    private readonly ResolutionOptions _options;
    private readonly Lazy<Dictionary<string, List<string>>> _npxIndex;
    private readonly ConcurrentDictionary<string, Dictionary<string, List<string>>> _otherCaches = new(StringComparer.Ordinal);
    private readonly Lazy<string[]> _globalRoots;
    private readonly ConcurrentDictionary<string, InstalledCopy?> _reads = new(StringComparer.Ordinal);

    public NpmInstallLocator(ResolutionOptions options)
    {
        _options = options;
        _npxIndex = new(() => IndexNpxCaches(NpmCaches()));
        _globalRoots = new(GlobalRoots);
    }

    /// <summary>
    /// Every copy of <paramref name="name"/>, in the order npx would use them: the project's node_modules, global
    /// node_modules, then the npx cache (newest first). <paramref name="serverEnv"/> is the server's configured env,
    /// which may move the npm cache.
    /// </summary>
    public IReadOnlyList<InstalledCopy> FindCopies(string name, string? projectFolder, IReadOnlyDictionary<string, string>? serverEnv = null)
    {
        var copies = new List<InstalledCopy>();
        if (projectFolder is not null)
        {
            Add(copies, Path.Combine(projectFolder, "node_modules"), name, "project node_modules");
        }

        foreach (var root in _globalRoots.Value)
        {
            Add(copies, root, name, "global node_modules");
        }

        var index = serverEnv is not null && serverEnv.TryGetValue("npm_config_cache", out var cache) && cache.Length > 0
            ? _otherCaches.GetOrAdd(cache, c => IndexNpxCaches([c]))
            : _npxIndex.Value;
        var cached = new List<InstalledCopy>();
        foreach (var nodeModules in index.TryGetValue(name, out var roots) ? roots : [])
        {
            Add(cached, nodeModules, name, "npx cache");
        }

        copies.AddRange(cached.OrderByDescending(c => c.LastWriteUtc));
        return copies;
    }

    /// <summary>Reads name and version from a package.json; null when missing or unreadable.</summary>
    public static (string? Name, string? Version) ReadPackageJson(string path)
    {
        try
        {
            // InputFile: a named pipe named package.json would block File.OpenRead forever.
            using var stream = InputFile.TryOpenRead(path, out var opened, out var problem) ? opened : throw new IOException(problem);
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            return (Str(root, "name"), Str(root, "version"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // An unreadable package.json means "version unknown", reported as such; it must not stop the scan.
            return (null, null);
        }
    }

    private void Add(List<InstalledCopy> into, string nodeModules, string name, string where)
    {
        var pj = Path.Combine(nodeModules, name, "package.json");
        var copy = _reads.GetOrAdd(pj, static (p, w) =>
        {
            if (!File.Exists(p))
            {
                return null;
            }

            var (_, version) = ReadPackageJson(p);
            return version is null ? null : new InstalledCopy(version, p, w, File.GetLastWriteTimeUtc(p));
        }, where);
        if (copy is not null)
        {
            into.Add(copy);
        }
    }

    /// <summary>
    /// Package name → the <c>_npx/&lt;hash&gt;/node_modules</c> folders that hold it. One listing per cache instead
    /// of one probe per (package, hash folder): real npx caches hold hundreds of hash folders.
    /// </summary>
    private static Dictionary<string, List<string>> IndexNpxCaches(IEnumerable<string> caches)
    {
        var index = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var cache in caches)
        {
            var npx = Path.Combine(cache, "_npx");
            if (!Directory.Exists(npx))
            {
                continue;
            }

            foreach (var hash in Directory.EnumerateDirectories(npx))
            {
                var nodeModules = Path.Combine(hash, "node_modules");
                if (!Directory.Exists(nodeModules))
                {
                    continue;
                }

                foreach (var entry in Directory.EnumerateDirectories(nodeModules))
                {
                    var name = Path.GetFileName(entry);
                    IEnumerable<string> names = name.StartsWith('@')
                        ? Directory.EnumerateDirectories(entry).Select(d => name + "/" + Path.GetFileName(d))
                        : name.StartsWith('.') ? [] : [name];
                    foreach (var n in names)
                    {
                        (index.TryGetValue(n, out var list) ? list : index[n] = []).Add(nodeModules);
                    }
                }
            }
        }

        return index;
    }

    // The npm cache: npm_config_cache (running user's env, not with --home), else the defaults under the home.
    private IEnumerable<string> NpmCaches()
    {
        if (!_options.HomeOverridden && _options.Environment("npm_config_cache") is { Length: > 0 } env)
        {
            yield return env;
        }

        yield return Path.Combine(_options.Home, ".npm");
        yield return Path.Combine(_options.Home, "AppData", "Local", "npm-cache");
    }

    private string[] GlobalRoots()
    {
        var roots = new List<string>();
        if (!_options.HomeOverridden && _options.Environment("npm_config_prefix") is { Length: > 0 } prefix)
        {
            roots.Add(Path.Combine(prefix, "lib", "node_modules"));
            roots.Add(Path.Combine(prefix, "node_modules"));
        }

        roots.Add(Path.Combine(_options.Home, ".npm-global", "lib", "node_modules"));
        roots.Add(Path.Combine(_options.Home, "AppData", "Roaming", "npm", "node_modules"));
        var nvm = Path.Combine(_options.Home, ".nvm", "versions", "node");
        if (Directory.Exists(nvm))
        {
            roots.AddRange(Directory.EnumerateDirectories(nvm).Select(d => Path.Combine(d, "lib", "node_modules")));
        }

        // Machine-wide prefixes belong to this machine, not to a home given with --home.
        if (!_options.HomeOverridden)
        {
            roots.Add("/usr/local/lib/node_modules");
            roots.Add("/usr/lib/node_modules");
            roots.Add("/opt/homebrew/lib/node_modules");
        }

        return [.. roots.Where(Directory.Exists).Distinct(StringComparer.Ordinal)];
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
