using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Resolution;

/// <summary>A copy of a package found on disk (npx cache, global or project node_modules).</summary>
public sealed record InstalledCopy(string Version, string PackageJsonPath, string Where, DateTime LastWriteUtc);

/// <summary>The package a server launch runs: what it asks for and what is really installed.</summary>
public sealed record ResolvedPackage
{
    /// <summary>npm, pypi, docker or local.</summary>
    public required string Ecosystem { get; init; }
    public required string Name { get; init; }

    /// <summary>The requested version, range, tag, dist-tag or digest; null when the launch names none (latest).</summary>
    public string? Requested { get; init; }

    /// <summary>True when the launch names one exact version or a docker digest.</summary>
    public bool Pinned { get; init; }

    /// <summary>The installed copy that this launch would run, when one was found.</summary>
    public InstalledCopy? Installed { get; init; }

    /// <summary>Every installed copy of this package name found, the one that runs first.</summary>
    public IReadOnlyList<InstalledCopy> InstalledCopies { get; init; } = [];

    /// <summary>What really runs: the installed version, else the pinned one, else null (unknown).</summary>
    public string? Version => Installed?.Version ?? (Pinned ? Requested : null);
}

/// <summary>One server after resolution: the real launch (inside any mcpguard wrapper) and its package.</summary>
public sealed record ResolvedLaunch
{
    public required DiscoveredServer Server { get; init; }

    /// <summary>How it starts: npx, node, uvx, pipx, docker, remote or command.</summary>
    public required string Kind { get; init; }

    /// <summary>The command that really starts the server (inside "mcpguard run --" or "cmd /c").</summary>
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public ResolvedPackage? Package { get; init; }

    /// <summary>True when the config launches it through <c>mcpguard run</c>.</summary>
    public bool Guarded { get; init; }
}

/// <summary>Where to look for installed packages. Immutable.</summary>
public sealed record ResolutionOptions
{
    public required string Home { get; init; }

    /// <summary>With --home, the running user's environment and machine-wide folders are not consulted.</summary>
    public bool HomeOverridden { get; init; }
    public Func<string, string?> Environment { get; init; } = _ => null;
}
