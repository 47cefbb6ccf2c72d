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

    public static InstallResult Run(string client, DiscoveryOptions options, bool undo, string guardCommand, TimeProvider time)
    {
        if (!SupportedClients.Contains(client, StringComparer.Ordinal))
        {
            throw new UserInputException($"--client {client} is not supported by install (supported: {string.Join(", ", SupportedClients)})");
        }

        options.Validate();
        var config = McpClients.All.Single(c => c.Client == client);
        var notes = new List<string>();
        var files = config.UserConfigs(options).Select(c => c.Path).Where(File.Exists).Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            notes.Add($"no {client} config found under {options.Home}");
        }

        var result = ClientConfigEditor.Edit(
            files,
            (_, launch, serverNotes) => undo ? GuardWrapper.Unwrap(launch) : GuardWrapper.Wrap(launch, guardCommand, serverNotes),
            time);
        return result with { Notes = [.. notes, .. result.Notes] };
    }
}
