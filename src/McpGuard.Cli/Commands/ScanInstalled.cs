using System.CommandLine;
using McpGuard.Core.Intel;
using McpGuard.Core.Reports;
using McpGuard.Investigate.Inventory;
using McpGuard.Verify.Discovery;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary><c>mcpguard scan --installed</c>: the on-disk inventory variant of scan, reported like every scan.</summary>
internal static class ScanInstalled
{
    public static int Run(CliContext context, ParseResult parse, ReportOptions report, DiscoveryOptions discovery, IReadOnlyList<string> paths, IntelDatabase intel, CancellationToken cancellationToken)
    {
        var options = new InventoryOptions
        {
            Home = discovery.Home,
            HomeOverridden = discovery.HomeOverridden,
            Environment = discovery.Environment,
            Paths = [.. paths.Select(p => Path.GetFullPath(p, context.WorkingDirectory))],
        };
        var result = InstalledPackageScanner.Scan(options, discovery, intel, cancellationToken);
        if (ReportRenderer.ParseFormat(parse.GetValue(report.Format)) == ReportFormat.Table)
        {
            Narrate(context, result, intel);
        }

        return report.Emit(parse, result.Report, context);
    }

    // On stderr, so stdout stays the report.
    private static void Narrate(CliContext context, InstalledScanResult result, IntelDatabase intel)
    {
        var s = context.StatusConsole;
        var inventory = result.Inventory;
        s.MarkupLine($"Inventoried [bold]{inventory.PackagesRead}[/] installed package(s) in {inventory.Roots.Count} place(s); intel: {intel.AdvisoryCount} known-malicious package advisories; {result.ConfigFilesRead.Count} MCP config file(s) read to find what launches them.");
        foreach (var group in inventory.Roots.GroupBy(r => r.Describe()))
        {
            s.MarkupLine($"[grey]  {Markup.Escape(group.Key)}: {group.Count()} folder(s)[/]");
        }

        if (result.Report.Findings.Count == 0)
        {
            s.MarkupLine("[green]No known-malicious package version is installed in these places.[/]");
        }
    }
}
