using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Tools;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using NuGet.Versioning;

namespace McpGuard.Verify.Updates;

/// <summary>
/// Lists the releases of a locked npm package that are newer than the locked version, downloads each (sha512
/// integrity checked before anything reads it) and diffs it against the locked version. Changes nothing.
/// </summary>
public sealed class UpdateReviewer(PackageLoader loader, IToolDescriptionScanner? toolScanner, UpdateLimits? limits = null)
{
    private readonly UpdateLimits _limits = limits ?? UpdateLimits.Default;

    private NpmRegistryClient Registry => loader.Registry ?? throw new InvalidOperationException("the update reviewer needs a registry");

    /// <summary>
    /// Reviews every newer release. Throws <see cref="PackageLoadException"/> when the package or its locked version
    /// is gone from the registry, the packument is not usable, or the locked version's bytes no longer match the lock:
    /// without a trustworthy baseline nothing can be reviewed.
    /// </summary>
    public async Task<UpdateReview> ReviewAsync(LockedPackage locked, CancellationToken cancellationToken)
    {
        var packument = await GetPackumentAsync(locked.Name, cancellationToken).ConfigureAwait(false);
        var lockedVersion = Parse(locked.Version)
            ?? throw new PackageLoadException($"the locked version '{locked.Version}' of {locked.Name} is not a semantic version; update cannot order releases");
        var baseline = await LoadAsync(packument, locked.Name, locked.Version, cancellationToken).ConfigureAwait(false);

        // The registry must still serve the exact bytes that were approved; a republished version is a red flag.
        if (locked.Integrity is not null && !SriIntegrity.Matches(locked.Integrity, baseline.Bytes))
        {
            throw new PackageLoadException(
                $"the registry's tarball of the locked version {locked.Name}@{locked.Version} does not match the lock's integrity; it was changed after approval, so nothing is reviewed against it")
            { IntegrityFailure = true };
        }

        var newer = NewerVersions(packument, lockedVersion);
        var take = newer.TakeLast(_limits.MaxPendingVersions).ToList();
        var analyzer = new PackageAnalyzer(toolScanner, loader.Limits);
        var differ = new PackageDiffer(analyzer, loader);

        // The baseline is analysed once, not once per candidate.
        var baselineAnalysis = analyzer.Analyze(baseline.Package, cancellationToken);
        var pending = new List<PendingVersion>();
        foreach (var version in take)
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Add(await ReviewOneAsync(packument, locked.Name, version, baselineAnalysis, analyzer, differ, cancellationToken).ConfigureAwait(false));
        }

        return new UpdateReview(locked.Name, locked.Version, pending) { Skipped = newer.Count - take.Count };
    }

    /// <summary>The packument; garbage (not JSON, not an object, no versions map) is a <see cref="PackageLoadException"/>.</summary>
    public async Task<JsonObject> GetPackumentAsync(string name, CancellationToken cancellationToken)
    {
        JsonObject packument;
        try
        {
            packument = await Registry.GetPackumentAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new PackageLoadException($"registry {Registry.Registry} returned something that is not JSON for package '{name}'", ex);
        }

        if (packument["versions"] is not JsonObject versions || versions.Count == 0)
        {
            // An unpublished package keeps a stub packument with no versions.
            throw new PackageLoadException($"package '{name}' has no versions on {Registry.Registry} (unpublished or deleted?)");
        }

        return packument;
    }

    /// <summary>The published sha512 integrity of one version, from the packument; null when it has none.</summary>
    public static string? IntegrityOf(JsonObject packument, string version) =>
        (packument["versions"]?[version]?["dist"]?["integrity"] as JsonValue)?.GetValueKind() == JsonValueKind.String
            ? packument["versions"]![version]!["dist"]!["integrity"]!.GetValue<string>()
            : null;

    private async Task<PendingVersion> ReviewOneAsync(
        JsonObject packument, string name, string version, PackageAnalysis baseline, PackageAnalyzer analyzer, PackageDiffer differ, CancellationToken cancellationToken)
    {
        try
        {
            var candidate = await LoadAsync(packument, name, version, cancellationToken).ConfigureAwait(false);
            var diff = differ.Diff(baseline, analyzer.Analyze(candidate.Package, cancellationToken));
            // The registry's integrity string (verified above) is what npm records, so lock checks compare like with like.
            return new PendingVersion(version, IntegrityOf(packument, version), diff, null);
        }
        catch (PackageLoadException ex)
        {
            // One bad release (tampered tarball, broken archive) is shown as an error and can never be approved;
            // the others are still reviewed.
            return new PendingVersion(version, IntegrityOf(packument, version), null, ex.Message);
        }
    }

    private async Task<(LoadedPackage Package, byte[] Bytes)> LoadAsync(JsonObject packument, string name, string version, CancellationToken cancellationToken)
    {
        RegistryVersion release;
        try
        {
            if (packument["versions"]?[version] is not JsonObject manifest)
            {
                throw new PackageLoadException($"version {version} of {name} is not on {Registry.Registry} (unpublished?)");
            }

            var tarball = manifest["dist"]?["tarball"]?.GetValue<string>()
                ?? throw new PackageLoadException($"{name}@{version} on {Registry.Registry} has no dist.tarball");
            release = new RegistryVersion(name, version, new Uri(Registry.Registry, tarball), IntegrityOf(packument, version), manifest);
        }
        catch (Exception ex) when (ex is InvalidOperationException or UriFormatException)
        {
            throw new PackageLoadException($"registry {Registry.Registry} returned a malformed packument for '{name}' ({ex.Message})", ex);
        }

        var bytes = await Registry.DownloadAsync(release, cancellationToken).ConfigureAwait(false);
        var package = loader.FromTarballBytes(bytes, $"{name}@{version}") with { Name = name, Version = version };
        return (package, bytes);
    }

    private static List<string> NewerVersions(JsonObject packument, SemanticVersion locked) =>
        [.. ((JsonObject)packument["versions"]!)
            .Select(kv => (Text: kv.Key, Version: Parse(kv.Key)))
            .Where(v => v.Version is { IsPrerelease: false } && v.Version > locked)
            .OrderBy(v => v.Version)
            .Select(v => v.Text)];

    private static SemanticVersion? Parse(string text) => SemanticVersion.TryParse(text, out var v) ? v : null;
}
