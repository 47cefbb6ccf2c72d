using McpGuard.Core.IO;
using McpGuard.Core.Reports;

namespace McpGuard.Verify.Discovery;

/// <summary>What discovery found: the servers, the files it read, and the problems it met (the run went on).</summary>
public sealed record DiscoveryResult(
    IReadOnlyList<DiscoveredServer> Servers,
    IReadOnlyList<Diagnostic> Diagnostics,
    IReadOnlyList<string> ConfigFilesRead);

/// <summary>Limits for reading config files.</summary>
public sealed record DiscoveryLimits
{
    /// <summary>64 MiB: ~/.claude.json keeps per-project history and real ones reach tens of MB; larger is not a config.</summary>
    public long MaxConfigBytes { get; init; } = 64L * 1024 * 1024;

    public static DiscoveryLimits Default { get; } = new();
}

/// <summary>
/// Finds every MCP server configured for a home folder: each client's user files, the project folders those files
/// name (plus <see cref="DiscoveryOptions.ProjectFolders"/>), and --config files. Never throws for a bad file.
/// </summary>
public static class ConfigDiscovery
{
    public static DiscoveryResult Discover(DiscoveryOptions options, DiscoveryLimits? limits = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        limits ??= DiscoveryLimits.Default;
        var sink = new ConfigSink();
        var read = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void TryRead(ConfigCandidate candidate, Action<ConfigCandidate, string> reader)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var full = Path.GetFullPath(candidate.Path);
            if (!File.Exists(full) || !seen.Add(full))
            {
                return;
            }

            var file = candidate with { Path = full };
            // InputFile refuses, with one problem naming why: a config over the limit (read no further than it), and a
            // named pipe or device at a config path (hostile or by mistake), which would otherwise be waited on forever.
            if (!InputFile.TryReadAllText(full, limits.MaxConfigBytes, out var text, out var problem))
            {
                sink.Problem(full, null, $"{problem}, so its servers were not checked");
                return;
            }

            read.Add(full);
            reader(file, text);
        }

        foreach (var client in McpClients.All)
        {
            foreach (var candidate in client.UserConfigs(options))
            {
                TryRead(candidate, (f, t) => client.Read(f, t, sink));
            }
        }

        var projects = new List<string>();
        var seenProjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in options.ProjectFolders.Concat(sink.ProjectFolders).ToList())
        {
            if (ResolveProject(folder, options) is { } resolved && seenProjects.Add(resolved))
            {
                projects.Add(resolved);
            }
        }

        foreach (var project in projects)
        {
            foreach (var client in McpClients.All)
            {
                foreach (var candidate in client.ProjectConfigs(project))
                {
                    TryRead(candidate, (f, t) => client.Read(f, t, sink));
                }
            }
        }

        foreach (var extra in options.ExtraConfigs)
        {
            TryRead(new ConfigCandidate(AnyConfigFile.Client, extra), (f, t) => AnyConfigFile.Read(f.Path, t, sink));
        }

        return new DiscoveryResult(sink.Servers, sink.Diagnostics, read);
    }

    /// <summary>
    /// A project folder named in a config. "~/x" is taken relative to the home. An absolute path is used when the
    /// folder exists: with --home that may be outside the audited home (Claude Code stores absolute paths, which
    /// only exist on the machine they came from), so a missing folder is skipped silently rather than reported.
    /// </summary>
    private static string? ResolveProject(string folder, DiscoveryOptions options)
    {
        var path = folder.StartsWith("~/", StringComparison.Ordinal) || folder == "~"
            ? Path.Combine(options.Home, folder.Length > 2 ? folder[2..] : "")
            : folder;
        if (!Path.IsPathRooted(path))
        {
            return null;
        }

        var full = Path.GetFullPath(path);
        return Directory.Exists(full) ? full : null;
    }
}
