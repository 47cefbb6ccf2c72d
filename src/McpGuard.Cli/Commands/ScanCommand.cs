using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.Core.Reports;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Scan;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard scan</c>: finds every MCP server configured on the machine (or under --home), resolves what
/// really runs, matches built-in and imported intel, and reports (table, JSON or SARIF).
/// </summary>
internal static class ScanCommand
{
    public static Command Create(CliContext context)
    {
        var home = new Option<string?>("--home")
        {
            Description = "Scan this folder as the home directory instead of yours (audits, tests). Machine-wide files and your environment are then ignored.",
        };
        var configs = new Option<string[]>("--config")
        {
            Description = "Also read this MCP config file (any client's shape is detected). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var osv = new Option<string[]>("--osv")
        {
            Description = "Also match OSV advisories from this folder (ossf/malicious-packages layout). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var offline = new Option<bool>("--offline")
        {
            Description = "Never use the network. (This version of scan reads local files only, so it is always offline.)",
        };
        var installed = new Option<bool>("--installed")
        {
            Description = "Instead of client configs, inventory what is installed on disk (npx cache, global npm/nvm/volta/pnpm prefixes, --path node_modules) and report known-malicious versions with their cleanup.",
        };
        var paths = new Option<string[]>("--path")
        {
            Description = "With --installed: also inventory every node_modules under this folder (nested and scoped packages included). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("scan", "Find every MCP server configured on this machine and say which ones are dangerous.");
        command.Add(home);
        command.Add(configs);
        command.Add(osv);
        command.Add(offline);
        command.Add(installed);
        command.Add(paths);
        var report = new ReportOptions().AddTo(command);

        command.SetAction((parse, cancellationToken) =>
        {
            var format = ReportRenderer.ParseFormat(parse.GetValue(report.Format));
            var explicitHome = parse.GetValue(home);
            var homePath = explicitHome is null ? UserHome(context) : Path.GetFullPath(explicitHome, context.WorkingDirectory);
            var options = new DiscoveryOptions
            {
                Home = homePath,
                HomeOverridden = explicitHome is not null,
                ExtraConfigs = [.. (parse.GetValue(configs) ?? []).Select(c => Path.GetFullPath(c, context.WorkingDirectory))],
                SystemRoot = explicitHome is null ? "/" : null,
                ProjectFolders = explicitHome is null ? [context.WorkingDirectory] : [],
                Environment = context.GetEnvironmentVariable,
            };

            var intel = LoadIntel(context, parse.GetValue(osv) ?? [], format, cancellationToken);
            var extraPaths = parse.GetValue(paths) ?? [];
            if (parse.GetValue(installed))
            {
                return Task.FromResult(ScanInstalled.Run(context, parse, report, options, extraPaths, intel, cancellationToken));
            }

            if (extraPaths.Length > 0)
            {
                throw new UserInputException("--path is only used with --installed (scan --installed --path DIR).");
            }

            var result = ConfigScanner.Scan(options, intel, cancellationToken);
            if (format == ReportFormat.Table)
            {
                Narrate(context, options, result, intel);
            }

            return Task.FromResult(report.Emit(parse, result.Report, context));
        });
        return command;
    }

    internal static string UserHome(CliContext context) =>
        context.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h
        : context.GetEnvironmentVariable("USERPROFILE") is { Length: > 0 } u ? u
        : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Built-in intel, plus the local intel store, plus any --osv folders.</summary>
    internal static IntelDatabase LoadIntel(CliContext context, IEnumerable<string> osvFolders, ReportFormat format, CancellationToken cancellationToken)
    {
        var sources = new List<IntelSource>();
        foreach (var folder in osvFolders)
        {
            var full = Path.GetFullPath(folder, context.WorkingDirectory);
            var result = OsvImporter.ImportDirectory(full, cancellationToken);
            sources.Add(result.Intel);
            if (format == ReportFormat.Table)
            {
                context.StatusConsole.MarkupLine($"[grey]Loaded {result.Advisories} advisories from {Markup.Escape(full)} ({result.Withdrawn} withdrawn skipped, {result.Problems.Count} unreadable).[/]");
            }
        }

        return IntelDatabase.LoadDefault(context.GetEnvironmentVariable, UserHome(context), sources);
    }

    // For people reading a table: what was looked at, on stderr so stdout stays the report itself.
    private static void Narrate(CliContext context, DiscoveryOptions options, ScanResult result, IntelDatabase intel)
    {
        var s = context.StatusConsole;
        s.MarkupLine($"Scanned [bold]{Markup.Escape(options.Home)}[/]: {result.ConfigFilesRead.Count} MCP config file(s), {result.Report.Servers.Count} server(s); intel: {intel.AdvisoryCount} known-malicious package advisories.");
        foreach (var f in result.ConfigFilesRead)
        {
            s.MarkupLine($"[grey]  read {Markup.Escape(f)}[/]");
        }

        if (result.ConfigFilesRead.Count == 0)
        {
            s.MarkupLine("[yellow]No MCP client configs were found.[/] Pass --config FILE to scan a config in another place.");
        }
    }
}
