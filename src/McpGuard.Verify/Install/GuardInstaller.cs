using McpGuard.Core;
using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Install;

/// <summary>What install/undo did to one server entry.</summary>
public sealed record InstallChange(string ConfigPath, string Server, string Action);

/// <summary>The outcome of <c>mcpguard install</c>: the changes, the backups written, the files left alone and why.</summary>
public sealed record InstallResult(IReadOnlyList<InstallChange> Changes, IReadOnlyList<string> Backups, IReadOnlyList<string> Notes)
{
    /// <summary>The config files that could not be read or did not parse, left untouched (each is also named in <see cref="Notes"/>).</summary>
    public IReadOnlyList<string> Unparsed { get; init; } = [];
}

/// <summary>
/// Rewrites a client's config (JSON, or Codex's TOML) so that every stdio server starts through
/// <c>mcpguard run [--pass-env NAME]... [--pass-env-file FILE] -- &lt;command&gt;</c> (one <c>--pass-env</c> per name of the
/// entry's env map, and VS Code's envFile as <c>--pass-env-file</c>), or
/// (undo) unwraps it again (<see cref="GuardWrapper"/>). Idempotent both
/// ways; each file is backed up before it is changed, written atomically, and never touched when nothing changes
/// (<see cref="ClientConfigEditor"/>).
/// </summary>
public static class GuardInstaller
{
    /// <summary>Clients whose user config has a servers map this installer can rewrite.</summary>
    public static IReadOnlyList<string> SupportedClients { get; } =
        ["claude-desktop", "claude-code", "cursor", "vscode", "vscode-insiders", "windsurf", "gemini-cli", "kiro", "codex"];

    /// <summary>
    /// Clients that have a project (workspace) config format, which <see cref="RunProjects"/> can rewrite. VS Code
    /// Insiders reads the same workspace <c>.vscode/</c> files as VS Code, so they are installed as "vscode".
    /// </summary>
    public static IReadOnlyList<string> ProjectClients { get; } =
        [.. McpClients.All.Where(c => c.ProjectConfigs(string.Empty).Any()).Select(c => c.Client)];

    /// <summary>Rewrites (or, with <paramref name="undo"/>, unwraps) the client's user-level configs under <c>options.Home</c>.</summary>
    public static InstallResult Run(string client, DiscoveryOptions options, bool undo, string guardCommand, TimeProvider time)
    {
        var config = Client(client);
        options.Validate();
        var files = config.UserConfigs(options).Select(c => c.Path).Where(File.Exists).Distinct(StringComparer.Ordinal).ToList();
        return Edit(files, files.Count == 0 ? [$"no {client} config found under {options.Home}"] : [], undo, guardCommand, time);
    }

    /// <summary>
    /// Rewrites (or unwraps) the client's project configs in each of <paramref name="projectFolders"/> (full paths):
    /// the files <see cref="IMcpClientConfig.ProjectConfigs"/> names that exist, such as <c>.vscode/mcp.json</c> or
    /// <c>.mcp.json</c>, and never the user's configs. Throws <see cref="UserInputException"/> for a client without a
    /// project config format or a folder that does not exist.
    /// </summary>
    public static InstallResult RunProjects(string client, IReadOnlyList<string> projectFolders, bool undo, string guardCommand, TimeProvider time)
    {
        var config = Client(client);
        if (!ProjectClients.Contains(client, StringComparer.Ordinal))
        {
            var hint = client == "vscode-insiders" ? "; VS Code Insiders reads the same .vscode/ workspace files, so use --client vscode" : "";
            throw new UserInputException($"--client {client} has no project config, so --project cannot be used with it (project configs: {string.Join(", ", ProjectClients)}){hint}");
        }

        var notes = new List<string>();
        var files = new List<string>();
        foreach (var folder in projectFolders)
        {
            if (!Directory.Exists(folder))
            {
                throw new UserInputException($"--project folder not found: {folder}");
            }

            var found = config.ProjectConfigs(folder).Select(c => c.Path).Where(File.Exists).ToList();
            if (found.Count == 0)
            {
                notes.Add($"no {client} config found under {folder} (looked for {string.Join(", ", config.ProjectConfigs(folder).Select(c => Path.GetRelativePath(folder, c.Path)))})");
            }

            files.AddRange(found);
        }

        return Edit([.. files.Distinct(StringComparer.Ordinal)], notes, undo, guardCommand, time);
    }

    private static IMcpClientConfig Client(string client) =>
        SupportedClients.Contains(client, StringComparer.Ordinal)
            ? McpClients.All.Single(c => c.Client == client)
            : throw new UserInputException($"--client {client} is not supported by install (supported: {string.Join(", ", SupportedClients)})");

    private static InstallResult Edit(IReadOnlyList<string> files, IReadOnlyList<string> notes, bool undo, string guardCommand, TimeProvider time)
    {
        // includeProjects: Claude Code's default ("local") scope keeps a server in ~/.claude.json under
        // "projects".PATH."mcpServers", not in the top-level map; `claude mcp add` writes there unless told otherwise,
        // so leaving those out would leave most Claude Code servers unguarded. The flag only affects that file.
        var result = ClientConfigEditor.Edit(
            files,
            (_, launch, serverNotes) => undo ? GuardWrapper.Unwrap(launch) : GuardWrapper.Wrap(launch, guardCommand, serverNotes),
            time,
            includeProjects: true);
        return result with { Notes = [.. notes, .. result.Notes] };
    }
}
