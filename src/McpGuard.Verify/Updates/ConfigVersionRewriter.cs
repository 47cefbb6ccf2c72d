using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;

namespace McpGuard.Verify.Updates;

/// <summary>
/// Rewrites every client config that launches an npm package (npx &amp; co., also inside <c>mcpguard run --</c>) so
/// it runs one exact version (<c>npx -y name@x.y.z</c>): backup first, atomic write, through
/// <see cref="ClientConfigEditor"/>, including Claude Code's per-project entries in ~/.claude.json. Entries it cannot
/// rewrite (Codex's TOML) are reported as notes, never silently skipped.
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
        var notes = new List<string>();
        var jsonFiles = new List<string>();
        foreach (var file in due.Select(s => s.ConfigPath).Distinct(StringComparer.Ordinal))
        {
            if (file.EndsWith(".toml", StringComparison.OrdinalIgnoreCase))
            {
                continue; // reported below with the entry it names
            }

            jsonFiles.Add(file);
        }

        var result = ClientConfigEditor.Edit(jsonFiles, (_, entry) => Pin(entry, versions), time, dryRun, includeProjects: true);
        foreach (var s in due.Where(s => !result.Changes.Any(c => c.ConfigPath == s.ConfigPath && c.Server == s.Name)))
        {
            var package = NpmLaunchSpec.PackageName(s.Command!, s.Args)!;
            notes.Add($"{s.ConfigPath}: server '{s.Name}' launches {package} but could not be rewritten here; change it by hand to {package}@{versions[package]}");
        }

        return result with { Notes = [.. result.Notes, .. notes] };
    }

    private static string? Pin(JsonObject entry, IReadOnlyDictionary<string, string> versions)
    {
        if (entry["command"] is not JsonValue cmd || cmd.GetValueKind() != JsonValueKind.String || entry["args"] is not JsonArray args
            || args.Any(a => a is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            return null;
        }

        var command = cmd.GetValue<string>();
        var list = args.Select(a => a!.GetValue<string>()).ToList();
        if (NpmLaunchSpec.Find(command, list) is not { } found || !versions.TryGetValue(found.Spec.Name, out var version)
            || NpmLaunchSpec.IsPinnedTo(command, list, found.Spec.Name, version))
        {
            return null;
        }

        var before = list[found.ArgIndex];
        args[found.ArgIndex] = $"{found.Prefix}{found.Spec.Name}@{version}";
        return $"{before} -> {found.Prefix}{found.Spec.Name}@{version}";
    }
}
