using McpGuard.Core.Findings;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace McpGuard.Core.Reports;

/// <summary>
/// The human report: servers grouped by client, worst first, each with its findings and the fix;
/// then findings that belong to no server, diagnostics and the summary line.
/// </summary>
public static class TableReportWriter
{
    public static void Write(Report report, IAnsiConsole console)
    {
        var byClient = report.Servers
            .GroupBy(s => s.Client, StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(Worst))
            .ThenBy(g => g.Key, StringComparer.Ordinal);

        foreach (var client in byClient)
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(client.Key)}[/]");
            table.AddColumn("Server");
            table.AddColumn("Runs");
            table.AddColumn("Severity");
            table.AddColumn("Finding");
            foreach (var server in client.OrderByDescending(Worst).ThenBy(s => s.Name, StringComparer.Ordinal))
            {
                var runs = Markup.Escape(Describe(server));
                if (server.Findings.Count == 0)
                {
                    table.AddRow(new Markup(Markup.Escape(server.Name)), new Markup(runs), new Markup("[green]ok[/]"), new Markup(server.Guarded ? "guarded by mcpguard" : "no findings"));
                    continue;
                }

                var first = true;
                foreach (var f in server.Findings.OrderByDescending(f => f.Severity))
                {
                    table.AddRow(
                        new Markup(first ? Markup.Escape(server.Name) : ""),
                        new Markup(first ? runs : ""),
                        SeverityMarkup(f.Severity),
                        FindingMarkup(f));
                    first = false;
                }
            }

            console.Write(table);
        }

        var loose = report.Findings.Where(f => f.Server is null || report.Servers.All(s => s.Name != f.Server)).ToList();
        if (loose.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Severity");
            table.AddColumn("Finding");
            table.AddColumn("Where");
            foreach (var f in loose)
            {
                var where = f.Location is null ? "" : f.Location.Line is int line ? $"{f.Location.File}:{line}" : f.Location.File;
                table.AddRow(SeverityMarkup(f.Severity), FindingMarkup(f), new Markup(Markup.Escape(where)));
            }

            console.Write(table);
        }

        if (report.Verdict is { } verdict)
        {
            var color = verdict.Decision switch { "block" => "red", "review" => "yellow", _ => "green" };
            console.MarkupLine($"Verdict: [bold {color}]{Markup.Escape(verdict.Decision)}[/] (score {verdict.Score:0.0}/10)");
            foreach (var reason in verdict.Reasons)
            {
                console.MarkupLine($"  - {Markup.Escape(reason)}");
            }
        }

        foreach (var c in report.Coverage ?? [])
        {
            var color = c.SkippedTotal > 0 || c.Truncated ? "yellow" : "green";
            console.MarkupLine($"[{color}]Coverage:[/] {Markup.Escape(c.Describe())}");
        }

        foreach (var d in report.Diagnostics ?? [])
        {
            var where = d.Line is int l ? $"{d.File}:{l}" : d.File;
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(where)}: {Markup.Escape(d.Message)}");
        }

        var s = report.Summary;
        console.MarkupLine(
            $"{s.Servers} server(s); findings: [red]{s.Critical} critical[/], [red]{s.High} high[/], [yellow]{s.Medium} medium[/], {s.Low} low, {s.Info} info");
    }

    private static Severity Worst(ServerReport s) => s.Findings.Count == 0 ? (Severity)(-1) : s.Findings.Max(f => f.Severity);

    private static string Describe(ServerReport s)
    {
        if (s.Package is { } p)
        {
            var version = p.Version is null ? " (version unknown)" : "@" + p.Version;
            return $"{p.Name}{version}{(p.Pinned ? "" : " (unpinned)")}";
        }

        return s.Url ?? string.Join(' ', new[] { s.Command ?? "" }.Concat(s.Args));
    }

    private static IRenderable SeverityMarkup(Severity s) => new Markup(s switch
    {
        Severity.Critical => "[bold white on red]CRITICAL[/]",
        Severity.High => "[bold red]high[/]",
        Severity.Medium => "[yellow]medium[/]",
        Severity.Low => "[blue]low[/]",
        _ => "[grey]info[/]",
    });

    private static Markup FindingMarkup(Finding f)
    {
        var text = $"[bold]{Markup.Escape(f.RuleId)}[/] {Markup.Escape(f.Message)}";
        if (f.Remediation is { Length: > 0 } r)
        {
            text += $"\n[grey]Fix: {Markup.Escape(r)}[/]";
        }

        return new Markup(text);
    }
}
