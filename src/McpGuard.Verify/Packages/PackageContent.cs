using System.Text.Json.Nodes;
using McpGuard.Core.Findings;

namespace McpGuard.Verify.Packages;

/// <summary>One regular file of a package, path relative to the package root with '/' separators.</summary>
public sealed record PackageFile(string Path, byte[] Content);

/// <summary>
/// A package read fully into memory: its files, its manifest, and the problems met while reading it (rejected
/// entries, limits hit). Nothing of it was written to disk outside McpGuard's own cache.
/// </summary>
public sealed record LoadedPackage
{
    public required string Name { get; init; }
    public string? Version { get; init; }

    /// <summary>Where it came from: a registry URL, a .tgz path or a directory.</summary>
    public required string Origin { get; init; }

    /// <summary>The SRI integrity (sha512-...) that was verified, for registry and tarball sources.</summary>
    public string? Integrity { get; init; }
    public IReadOnlyList<PackageFile> Files { get; init; } = [];
    public JsonObject? Manifest { get; init; }

    /// <summary>Findings about the package as an archive (rejected entries, limits), reported with the analysis.</summary>
    public IReadOnlyList<Finding> ReadFindings { get; init; } = [];

    public string DisplayName => Version is null ? Name : $"{Name}@{Version}";
}
