using System.Text.Json.Nodes;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Updates;

/// <summary>One server that <c>mcpguard pin</c> pins: which version, where it came from, and the lock entry to write.</summary>
public sealed record PinCandidate(string Server, string ConfigPath, string Package, string Version, string Integrity, string Source)
{
    /// <summary>The entry to add to the lock, or null when the lock already holds this server (only its configs change).</summary>
    public LockedServer? NewLockEntry { get; init; }
}

/// <summary>
/// What pin would do: the servers to pin (one per name), the servers it refused to pin with why (<see cref="Refused"/>),
/// config files it could not read (<see cref="Notes"/>), and every configured npm server's name.
/// </summary>
public sealed record PinPlan(IReadOnlyList<PinCandidate> Pins, IReadOnlyList<string> Refused, IReadOnlyList<string> Notes, IReadOnlySet<string> Configured)
{
    /// <summary>Package name → exact version, for <see cref="ConfigVersionRewriter"/>.</summary>
    public IReadOnlyDictionary<string, string> Versions =>
        Pins.GroupBy(p => p.Package, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Version, StringComparer.Ordinal);
}

/// <summary>
/// Plans <c>mcpguard pin</c> for configured npm servers: the version is the lock's (when the server is locked),
/// else the exact version the config names, else the copy really installed (npx cache, node_modules), else what
/// the range or dist-tag resolves to on the registry now. The integrity always comes from the registry's packument.
/// Reads only; throws <see cref="PackageLoadException"/> when the registry cannot answer for a package.
/// </summary>
public sealed class PinPlanner(NpmRegistryClient registry)
{
    public async Task<PinPlan> PlanAsync(DiscoveryOptions options, LockFile lockFile, string? onlyServer, CancellationToken cancellationToken)
    {
        var discovered = ConfigDiscovery.Discover(options);
        var resolver = new LaunchResolver(new ResolutionOptions { Home = options.Home, HomeOverridden = options.HomeOverridden, Environment = options.Environment });
        var reviewer = new UpdateReviewer(new PackageLoader(registry), null);
        var packuments = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var pins = new List<PinCandidate>();
        var notes = new List<string>();
        var configured = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in discovered.Servers)
        {
            if (server.Command is null || (onlyServer is not null && server.Name != onlyServer)
                || NpmLaunchSpec.Find(server.Command, server.Args) is not { } found)
            {
                continue;
            }

            var name = found.Spec.Name;
            configured.Add(server.Name);
            if (pins.FirstOrDefault(p => p.Server == server.Name) is { } earlier)
            {
                if (earlier.Package != name)
                {
                    notes.Add($"{server.ConfigPath}: server '{server.Name}' runs {name}, but a server of that name in {earlier.ConfigPath} runs {earlier.Package} (rename one)");
                }

                continue;
            }

            lockFile.Servers.TryGetValue(server.Name, out var locked);
            if (locked?.Package is { } lp && lp.Name != name)
            {
                notes.Add($"{server.ConfigPath}: server '{server.Name}' runs {name}, but the lock approved {lp.Name} for that name");
                continue;
            }

            if (locked?.Package is { } same)
            {
                // Already approved: the configs follow the lock, the lock is not touched.
                if (!NpmLaunchSpec.IsPinnedTo(server.Command, server.Args, name, same.Version) && same.Integrity is not null)
                {
                    pins.Add(new PinCandidate(server.Name, server.ConfigPath, name, same.Version, same.Integrity, "lock"));
                }

                continue;
            }

            if (!packuments.TryGetValue(name, out var packument))
            {
                packument = await reviewer.GetPackumentAsync(name, cancellationToken).ConfigureAwait(false);
                packuments[name] = packument;
            }

            var (version, source) = Choose(found.Spec, resolver.Resolve(server), packument);
            if (version is null)
            {
                notes.Add($"{server.ConfigPath}: server '{server.Name}': {name}@{found.Spec.Requested} matches no version on {registry.Registry}");
                continue;
            }

            if (UpdateReviewer.IntegrityOf(packument, version) is not { } integrity || !integrity.Contains("sha512-", StringComparison.Ordinal))
            {
                notes.Add($"{server.ConfigPath}: server '{server.Name}': {name}@{version} has no sha512 integrity on {registry.Registry}");
                continue;
            }

            if (source.StartsWith("installed", StringComparison.Ordinal) && InstalledIntegrity(resolver, server, name, version) is { } onDisk && onDisk != integrity)
            {
                // Fail closed: the copy on disk is not what the registry publishes for that version.
                notes.Add($"{server.ConfigPath}: server '{server.Name}': the installed {name}@{version} has integrity {onDisk}, the registry publishes {integrity} (reinstall it)");
                continue;
            }

            var (command, args, _) = LaunchResolver.Unwrap(server.Command, server.Args);
            var entry = new LockedServer
            {
                Command = command,
                Args = NpmLaunchSpec.WithVersion(command, args, name, version) ?? args,
                Package = new LockedPackage(name, version, integrity),
                Tools = locked?.Tools ?? new Dictionary<string, LockedTool>(StringComparer.Ordinal),
            };
            pins.Add(new PinCandidate(server.Name, server.ConfigPath, name, version, integrity, source) { NewLockEntry = entry });
        }

        return new PinPlan(pins, notes, [.. discovered.Diagnostics.Select(d => $"{d.File}: {d.Message}")], configured);
    }

    private static (string? Version, string Source) Choose(NpmSpec spec, ResolvedLaunch resolved, JsonObject packument)
    {
        if (spec.Pinned)
        {
            return (spec.Requested!.TrimStart('=', 'v'), "config");
        }

        if (resolved.Package?.Installed is { } installed)
        {
            return (installed.Version, $"installed ({installed.Where})");
        }

        var tag = spec.Requested ?? "latest";
        if ((packument["dist-tags"]?[tag] as JsonValue)?.TryGetValue<string>(out var tagged) == true)
        {
            return (tagged, $"registry dist-tag {tag}");
        }

        var resolvedRange = NpmRange.Resolve(tag, packument);
        return (resolvedRange is not null && packument["versions"]?[resolvedRange] is not null ? resolvedRange : null, $"registry, newest matching {tag}");
    }

    private static string? InstalledIntegrity(LaunchResolver resolver, DiscoveredServer server, string name, string version) =>
        resolver.Resolve(server).Package?.InstalledCopies
            .Where(c => c.Version == version)
            .Select(c => InstalledPackageLocator.Read(Path.GetDirectoryName(c.PackageJsonPath)!)?.Integrity)
            .FirstOrDefault(i => i is not null);
}
