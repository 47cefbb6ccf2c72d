using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Install;

/// <summary>What install/undo did to one server entry.</summary>
public sealed record InstallChange(string ConfigPath, string Server, string Action);

/// <summary>The outcome of <c>mcpguard install</c>: the changes, the backups written, the files left alone and why.</summary>
public sealed record InstallResult(IReadOnlyList<InstallChange> Changes, IReadOnlyList<string> Backups, IReadOnlyList<string> Notes);

/// <summary>
/// Rewrites a client's JSON config so that every stdio server starts through <c>mcpguard run -- &lt;command&gt;</c>,
/// or (undo) unwraps it again. Idempotent both ways; each file is backed up before it is changed, written atomically,
/// and never touched when nothing changes. Comments in JSONC files are not preserved (the backup keeps them).
/// </summary>
public static class GuardInstaller
{
    /// <summary>Clients whose user config is JSON with a servers map this installer can rewrite.</summary>
    public static IReadOnlyList<string> SupportedClients { get; } =
        ["claude-desktop", "claude-code", "cursor", "vscode", "vscode-insiders", "windsurf", "gemini-cli", "kiro"];

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
            (_, entry) => undo ? (Unwrap(entry) ? "unguarded" : null) : (Wrap(entry, guardCommand) ? "guarded" : null),
            time);
        return result with { Notes = [.. notes, .. result.Notes] };
    }

    private static bool Wrap(JsonObject entry, string guardCommand)
    {
        if (entry["command"] is not JsonValue cmd || cmd.GetValueKind() != JsonValueKind.String)
        {
            return false; // remote servers have no process to wrap
        }

        var command = cmd.GetValue<string>();
        var args = entry["args"] as JsonArray ?? [];
        if (Resolution.LaunchResolver.Unwrap(command, args.Select(a => a?.ToString() ?? "").ToList()).Guarded)
        {
            return false;
        }

        var wrapped = new JsonArray("run", "--", command);
        foreach (var a in args)
        {
            wrapped.Add(a?.DeepClone());
        }

        entry["command"] = guardCommand;
        entry["args"] = wrapped;
        return true;
    }

    private static bool Unwrap(JsonObject entry)
    {
        if (entry["command"] is not JsonValue cmd || cmd.GetValueKind() != JsonValueKind.String || entry["args"] is not JsonArray args)
        {
            return false;
        }

        // Only the wrapper install added is removed: "mcpguard run [options] -- <command> <args>".
        var list = args.Select(a => a?.ToString() ?? "").ToList();
        var dashDash = list.IndexOf("--");
        if (Resolution.CommandLine.BaseName(cmd.GetValue<string>()) != "mcpguard" || list.Count == 0 || list[0] != "run"
            || dashDash < 0 || dashDash + 1 >= list.Count)
        {
            return false;
        }

        var inner = list[dashDash + 1];
        var innerArgs = list.Skip(dashDash + 2);
        entry["command"] = inner;
        entry["args"] = new JsonArray([.. innerArgs.Select(a => (JsonNode?)JsonValue.Create(a))]);
        return true;
    }
}
