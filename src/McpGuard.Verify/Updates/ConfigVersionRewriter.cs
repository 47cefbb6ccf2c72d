using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;

namespace McpGuard.Verify.Updates;

/// <summary>
/// Rewrites every client config that launches an npm package (npx &amp; co., also inside <c>mcpguard run --</c>) so
/// it runs one exact version (<c>npx -y name@x.y.z</c>): backup first, atomic write, through
/// <see cref="ClientConfigEditor"/> (JSON(C) configs and Codex's TOML, their comments and formatting kept), including
/// Claude Code's per-project entries in ~/.claude.json. Entries it cannot rewrite are reported as notes, never
/// silently skipped.
/// </summary>
public static class ConfigVersionRewriter
{
    /// <param name="versions">Package name → the exact version its launches must name.</param>
    public static InstallResult Rewrite(DiscoveryOptions options, IReadOnlyDictionary<string, string> versions, TimeProvider time, bool dryRun = false)
    {
        var discovered = ConfigDiscovery.Discover(options);
        var due = discovered.Servers
            .Where(s => s.Command is not null && NpmLaunchSpec.PackageName(s.Command, s.Args) is { } p && versions.TryGetValue(p, out var v)
                && !NpmLaunchSpec.IsPinnedTo(s.Command, s.Args, p, v))
            .ToList();
        var files = due.Select(s => s.ConfigPath).Distinct(StringComparer.Ordinal).ToList();
        var result = ClientConfigEditor.Edit(files, (_, launch) => Pin(launch, versions), time, dryRun, includeProjects: true);

        var notes = new List<string>();
        foreach (var s in due.Where(s => !result.Changes.Any(c => c.ConfigPath == s.ConfigPath && c.Server == s.Name)))
        {
            // The editor already said why when it left the entry alone (not plain strings, a form it cannot splice).
            if (result.Notes.Any(n => n.StartsWith($"{s.ConfigPath}: server '{s.Name}' ", StringComparison.Ordinal)))
            {
                continue;
            }

            var package = NpmLaunchSpec.PackageName(s.Command!, s.Args)!;
            notes.Add($"{s.ConfigPath}: server '{s.Name}' launches {package} but could not be rewritten here; change it by hand to {package}@{versions[package]}");
        }

        return result with { Notes = [.. result.Notes, .. notes] };
    }

    /// <summary>The launch with its npm spec set to the exact version <paramref name="versions"/> names; null when it already is, or runs no listed package.</summary>
    internal static LaunchEdit? Pin(ServerLaunch launch, IReadOnlyDictionary<string, string> versions)
    {
        if (NpmLaunchSpec.Find(launch.Command, launch.Args) is not { } found || !versions.TryGetValue(found.Spec.Name, out var version)
            || NpmLaunchSpec.IsPinnedTo(launch.Command, launch.Args, found.Spec.Name, version)
            || NpmLaunchSpec.WithVersion(launch.Command, launch.Args, found.Spec.Name, version) is not { } args)
        {
            return null;
        }

        return new LaunchEdit(launch with { Args = args }, $"{launch.Args[found.ArgIndex]} -> {args[found.ArgIndex]}");
    }
}
