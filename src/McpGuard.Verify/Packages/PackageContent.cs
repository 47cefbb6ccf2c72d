using System.Text.Json.Nodes;
using McpGuard.Core.Findings;

namespace McpGuard.Verify.Packages;

/// <summary>One regular file of a package, path relative to the package root with '/' separators.</summary>
public sealed record PackageFile(string Path, byte[] Content);

/// <summary>
/// A package: its manifest, the problems met while reading it (rejected entries, limits hit), and its files. Packages
/// from a loader stream their files (<see cref="EnumerateFiles"/> reads one at a time from the compressed tarball or
/// the folder), so analysis holds one file at a time; <see cref="Files"/> reads them all into memory. Nothing of it
/// was written to disk outside McpGuard's own cache.
/// </summary>
public sealed record LoadedPackage
{
    private IReadOnlyList<PackageFile>? _files;

    public required string Name { get; init; }
    public string? Version { get; init; }

    /// <summary>Where it came from: a registry URL, a .tgz path or a directory.</summary>
    public required string Origin { get; init; }

    /// <summary>The SRI integrity (sha512-...) that was verified, for registry and tarball sources.</summary>
    public string? Integrity { get; init; }

    /// <summary>Every file, in memory. For a streamed package this reads them all (and keeps them); analysis does not use it.</summary>
    public IReadOnlyList<PackageFile> Files
    {
        get => _files ??= Source is null ? [] : [.. Source()];
        init => _files = value;
    }

    /// <summary>Re-readable stream of the files (each call starts from the first); null for in-memory packages.</summary>
    public Func<IEnumerable<PackageFile>>? Source { get; init; }

    public JsonObject? Manifest { get; init; }

    /// <summary>Findings about the package as an archive (rejected entries, limits), reported with the analysis.</summary>
    public IReadOnlyList<Finding> ReadFindings { get; init; } = [];

    /// <summary>Files not read, by coverage reason (over-limit, rejected); see Core.Reports.CoverageReasons.</summary>
    public IReadOnlyDictionary<string, int> ReadSkipped { get; init; } = new Dictionary<string, int>();

    /// <summary>True when a package limit (entries, total size) or a corrupt archive stopped the read early.</summary>
    public bool Truncated { get; init; }

    public string DisplayName => Version is null ? Name : $"{Name}@{Version}";

    /// <summary>The files one at a time: streamed from the source when there is one, else the in-memory list.</summary>
    public IEnumerable<PackageFile> EnumerateFiles() => _files ?? Source?.Invoke() ?? [];
}
