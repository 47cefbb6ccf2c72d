using System.Net;
using System.Text.Json.Nodes;

namespace McpGuard.Verify.Packages;

/// <summary>What the registry says about one version: its tarball URL, integrity and manifest as published.</summary>
public sealed record RegistryVersion(string Name, string Version, Uri Tarball, string? Integrity, JsonObject Manifest);

/// <summary>
/// Minimal npm registry client: packument, version resolution (exact version or dist-tag), tarball download
/// checked against dist.integrity before anything reads it.
/// </summary>
public sealed class NpmRegistryClient(HttpClient http, Uri registry, PackageCache? cache = null, PackageLimits? limits = null)
{
    public static Uri DefaultRegistry { get; } = new("https://registry.npmjs.org/");

    private readonly PackageLimits _limits = limits ?? PackageLimits.Default;
    private readonly Uri _registry = registry.AbsoluteUri.EndsWith('/') ? registry : new Uri(registry.AbsoluteUri + "/");

    public Uri Registry => _registry;

    public async Task<JsonObject> GetPackumentAsync(string name, CancellationToken cancellationToken)
    {
        // Scoped names keep the @ and escape the slash, as the npm CLI does.
        var url = new Uri(_registry, name.Replace("/", "%2f", StringComparison.Ordinal));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new PackageLoadException($"package '{name}' was not found on {_registry}");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new PackageLoadException($"registry {_registry} answered {(int)response.StatusCode} for package '{name}'");
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(text) as JsonObject
            ?? throw new PackageLoadException($"registry {_registry} returned a packument for '{name}' that is not a JSON object");
    }

    /// <summary>Resolves an exact version, a dist-tag, or null (= the "latest" tag).</summary>
    public async Task<RegistryVersion> ResolveAsync(string name, string? versionOrTag, CancellationToken cancellationToken)
    {
        var packument = await GetPackumentAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            return Resolve(packument, name, versionOrTag);
        }
        catch (InvalidOperationException ex)
        {
            // A packument with the wrong JSON types is refused, not half-trusted.
            throw new PackageLoadException($"registry {_registry} returned a malformed packument for '{name}' ({ex.Message})", ex);
        }
    }

    private RegistryVersion Resolve(JsonObject packument, string name, string? versionOrTag)
    {
        var versions = packument["versions"] as JsonObject;
        var wanted = versionOrTag ?? "latest";
        if (versions?[wanted] is null && (packument["dist-tags"] as JsonObject)?[wanted]?.GetValue<string>() is { } tagged)
        {
            wanted = tagged;
        }

        if (versions?[wanted] is not JsonObject manifest)
        {
            throw new PackageLoadException($"version '{versionOrTag ?? "latest"}' of package '{name}' was not found on {_registry}");
        }

        var dist = manifest["dist"] as JsonObject;
        var tarball = dist?["tarball"]?.GetValue<string>()
            ?? throw new PackageLoadException($"{name}@{wanted} on {_registry} has no dist.tarball");
        return new RegistryVersion(name, wanted, new Uri(_registry, tarball), dist?["integrity"]?.GetValue<string>(), manifest);
    }

    /// <summary>Versions in publication order (from the packument's time map), for callers that pick "the one before".</summary>
    public static IReadOnlyList<string> VersionsByTime(JsonObject packument) =>
        (packument["time"] as JsonObject)?
            .Where(kv => kv.Key is not ("created" or "modified") && (packument["versions"] as JsonObject)?.ContainsKey(kv.Key) == true)
            .OrderBy(kv => kv.Value?.GetValue<string>(), StringComparer.Ordinal)
            .Select(kv => kv.Key)
            .ToList() ?? [];

    /// <summary>
    /// Downloads (or takes from the cache) the tarball and checks it against dist.integrity. Fails closed: no
    /// sha512 integrity, or a mismatch, means the bytes are never returned.
    /// </summary>
    public async Task<byte[]> DownloadAsync(RegistryVersion version, CancellationToken cancellationToken)
    {
        if (version.Integrity is null || !version.Integrity.Contains("sha512-", StringComparison.Ordinal))
        {
            throw new PackageLoadException($"{version.Name}@{version.Version} on {_registry} publishes no sha512 integrity, so its tarball cannot be verified; refusing it")
            { IntegrityFailure = true };
        }

        if (cache?.TryGet(version.Integrity) is { } cached)
        {
            return cached;
        }

        using var response = await http.GetAsync(version.Tarball, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new PackageLoadException($"tarball of {version.Name}@{version.Version} could not be downloaded ({(int)response.StatusCode}) from {_registry}");
        }

        if (response.Content.Headers.ContentLength > _limits.MaxTarballBytes)
        {
            throw new PackageLoadException($"tarball of {version.Name}@{version.Version} is larger than {_limits.MaxTarballBytes} bytes; refusing it");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > _limits.MaxTarballBytes)
            {
                throw new PackageLoadException($"tarball of {version.Name}@{version.Version} is larger than {_limits.MaxTarballBytes} bytes; refusing it");
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        if (!SriIntegrity.Matches(version.Integrity, bytes))
        {
            throw new PackageLoadException(
                $"tarball of {version.Name}@{version.Version} from {_registry} does not match its published integrity (expected {version.Integrity}, got {SriIntegrity.Sha512Of(bytes)}); it was not used")
            { IntegrityFailure = true };
        }

        cache?.Put(bytes);
        return bytes;
    }
}
