using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard install --client NAME [--project DIR]... [--undo]</c>: make a client launch every stdio server through
/// <c>mcpguard run --</c>, from its user configs or, with --project, from a project's (workspace's) configs instead.
/// </summary>
internal static class InstallCommand
{
    public static Command Create(CliContext context)
    {
        var client = new Option<string>("--client")
        {
            Description = $"The client whose config to rewrite: {string.Join(", ", GuardInstaller.SupportedClients)}.",
            Required = true,
        };
        var undo = new Option<bool>("--undo") { Description = "Remove the mcpguard run wrapper again." };
        var home = new Option<string?>("--home") { Description = "Use this folder as the home directory instead of yours." };
        var projects = new Option<string[]>("--project")
        {
            Description = $"Rewrite the client's project config in this folder (for example .vscode/mcp.json, .mcp.json, .cursor/mcp.json) INSTEAD of its user configs; run install again without --project for those. Repeatable. Clients with project configs: {string.Join(", ", GuardInstaller.ProjectClients)}.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var guard = new Option<string>("--mcpguard-command")
        {
            Description = "The command written into the config to start mcpguard (default: mcpguard, the .NET tool on PATH).",
            DefaultValueFactory = _ => "mcpguard",
        };
        var command = new Command("install", "Rewrite a client's MCP config (its user configs, or with --project a project's configs instead) so every local server starts through 'mcpguard run --' (backup first; idempotent).");
        command.Add(client);
        command.Add(undo);
        command.Add(home);
        command.Add(projects);
        command.Add(guard);
        command.SetAction(parse =>
        {
            var explicitHome = parse.GetValue(home);
            var projectFolders = parse.GetValue(projects) ?? [];
            InstallResult result;
            if (projectFolders.Length > 0)
            {
                if (explicitHome is not null)
                {
                    // Refused rather than ignored: with --project no file under the home folder is read or written.
                    throw new UserInputException("--home and --project cannot be combined: --project rewrites only the project's config; run install once for each");
                }

                result = GuardInstaller.RunProjects(
                    parse.GetValue(client)!,
                    [.. projectFolders.Select(p => Path.GetFullPath(p, context.WorkingDirectory))],
                    parse.GetValue(undo),
                    parse.GetValue(guard)!,
                    TimeProvider.System);
            }
            else
            {
                var options = new DiscoveryOptions
                {
                    Home = explicitHome is null ? ScanCommand.UserHome(context) : Path.GetFullPath(explicitHome, context.WorkingDirectory),
                    HomeOverridden = explicitHome is not null,
                    Environment = context.GetEnvironmentVariable,
                };
                result = GuardInstaller.Run(parse.GetValue(client)!, options, parse.GetValue(undo), parse.GetValue(guard)!, TimeProvider.System);
            }

            foreach (var c in result.Changes)
            {
                context.Out.WriteLine($"{c.Action} {c.Server} in {c.ConfigPath}");
            }

            foreach (var b in result.Backups)
            {
                context.Out.WriteLine($"backup: {b}");
            }

            if (projectFolders.Length > 0 && result.Backups.Count > 0)
            {
                // The backups sit next to the project's config, inside the repository: say so before they get committed.
                context.Error.WriteLine("note: the backups are inside the project folder; keep them out of version control (or delete them once the change is verified)");
            }

            foreach (var n in result.Notes)
            {
                context.Error.WriteLine($"note: {n}");
            }

            if (result.Unparsed.Count > 0)
            {
                // Bad input: the user asked for every server to be guarded and the servers of these files are not.
                context.Error.WriteLine($"error: {string.Join(", ", result.Unparsed)} could not be read or parsed and {(result.Unparsed.Count == 1 ? "was" : "were")} left unchanged; fix the file and run install again");
                return ExitCodes.UsageError;
            }

            if (result.Changes.Count == 0)
            {
                context.Out.WriteLine(parse.GetValue(undo) ? "nothing to undo: no server starts through mcpguard run" : "nothing to change: every local server already starts through mcpguard run");
            }
            else
            {
                context.Out.WriteLine("Restart the client so it picks up the change.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
