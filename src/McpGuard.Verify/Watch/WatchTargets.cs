using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Watch;

/// <summary>Where a target's baseline (the version new ones are compared with) comes from.</summary>
public enum BaselineSource
{
    /// <summary>The lock file: the version the user approved.</summary>
    Lock,

    /// <summary>The client config launches one exact version (npx -y name@1.2.3).</summary>
    ConfigPin,

    /// <summary>The copy installed on disk that the launch would run (npx cache, node_modules).</summary>
    Installed,

    /// <summary>Nothing to compare with: configured, unpinned, not installed, not locked.</summary>
    None,
}

/// <summary>One npm package to watch, the version it is compared with, and the servers that run it.</summary>
public sealed record WatchTarget
{
    public required string Package { get; init; }

    /// <summary>The approved (or running) version new versions are diffed against; null when there is none.</summary>
    public string? Baseline { get; init; }

    public required BaselineSource BaselineSource { get; init; }

    /// <summary>The integrity the lock recorded for the baseline (checked against the registry), when locked.</summary>
    public string? BaselineIntegrity { get; init; }

    /// <summary>Server names (lock entries and client-config entries, "client:name") that run this package.</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];
}

/// <summary>
/// Enumerates what `mcpguard watch` (and later `mcpguard update`) looks at: every npm package in the lock file and
/// in the discovered client configs, one target per package name and baseline.
/// </summary>
public static class WatchTargets
{
    /// <summary>
    /// Locked servers first (their baseline is the approved version); configured servers the lock does not cover get
    /// the version the config pins, else the installed one, else <see cref="BaselineSource.None"/>. A package that is
    /// locked at one version and configured at another yields both targets, because each runs somewhere.
    /// </summary>
    public static IReadOnlyList<WatchTarget> Enumerate(LockFile? lockFile, IEnumerable<ResolvedLaunch> configured)
    {
        var targets = new Dictionary<(string Package, string? Baseline), WatchTarget>();
        foreach (var (name, server) in (lockFile?.Servers ?? new Dictionary<string, LockedServer>()).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (server.Package is not { } p)
            {
                continue;
            }

            Add(targets, p.Name, p.Version, BaselineSource.Lock, p.Integrity, name);
        }

        var lockedNames = targets.Keys.Select(k => k.Package).ToHashSet(StringComparer.Ordinal);
        foreach (var launch in configured)
        {
            if (launch.Package is not { Ecosystem: "npm" } p || !IsRegistryName(p.Name))
            {
                continue;
            }

            var label = $"{launch.Server.Client}:{launch.Server.Name}";
            var (baseline, source) = p.Pinned ? (p.Requested, BaselineSource.ConfigPin)
                : p.Installed is { } installed ? (installed.Version, BaselineSource.Installed)
                : ((string?)null, BaselineSource.None);

            // A configured launch of a locked package with no version of its own is covered by the lock's baseline.
            if (lockedNames.Contains(p.Name) && (baseline is null || targets.ContainsKey((p.Name, baseline))))
            {
                var key = baseline is null ? targets.Keys.First(k => k.Package == p.Name) : (p.Name, baseline);
                targets[key] = targets[key] with { Servers = [.. targets[key].Servers, label] };
                continue;
            }

            Add(targets, p.Name, baseline, source, null, label);
        }

        return targets.Values.OrderBy(t => t.Package, StringComparer.Ordinal).ThenBy(t => t.Baseline, StringComparer.Ordinal).ToList();
    }

    /// <summary>Discovers client configs and resolves them (as `mcpguard scan` does), then enumerates the targets.</summary>
    public static IReadOnlyList<WatchTarget> Discover(LockFile? lockFile, DiscoveryOptions discovery, CancellationToken cancellationToken = default)
    {
        var found = ConfigDiscovery.Discover(discovery, cancellationToken: cancellationToken);
        var resolver = new LaunchResolver(new ResolutionOptions
        {
            Home = discovery.Home,
            HomeOverridden = discovery.HomeOverridden,
            Environment = discovery.Environment,
        });
        return Enumerate(lockFile, found.Servers.Select(resolver.Resolve));
    }

    private static void Add(Dictionary<(string, string?), WatchTarget> targets, string package, string? baseline, BaselineSource source, string? integrity, string server)
    {
        if (targets.TryGetValue((package, baseline), out var existing))
        {
            targets[(package, baseline)] = existing with { Servers = [.. existing.Servers, server] };
            return;
        }

        targets[(package, baseline)] = new WatchTarget
        {
            Package = package,
            Baseline = baseline,
            BaselineSource = baseline is null ? BaselineSource.None : source,
            BaselineIntegrity = integrity,
            Servers = [server],
        };
    }

    // Git URLs, tarball URLs and local folders are not registry packages; there is nothing to poll.
    private static bool IsRegistryName(string name) =>
        name.Length > 0 && !name.Contains("://", StringComparison.Ordinal) && !name.StartsWith('.') && !name.StartsWith('/')
        && !name.Contains(':', StringComparison.Ordinal) && !name.EndsWith(".tgz", StringComparison.Ordinal);
}
