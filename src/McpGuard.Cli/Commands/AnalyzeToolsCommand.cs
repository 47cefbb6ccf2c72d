using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Verify.Analysis.ToolDescriptions;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard analyze --tools FILE</c>: checks saved tool definitions (a tools/list result, a JSON array of tools or
/// JSONL) offline with the MCPG3xx rules. Meant to be folded into the package <c>analyze</c> command: that command adds
/// <see cref="CreateToolsOption"/> and calls <see cref="Run"/> when the option is given.
/// </summary>
internal static class AnalyzeToolsCommand
{
    public static Option<string?> CreateToolsOption() => new("--tools")
    {
        Description = "Check tool definitions offline instead of a package: a saved tools/list result ({\"tools\":[...]} or a JSON-RPC response), a JSON array of tools, or JSONL with one tool per line.",
    };

    /// <summary>Loads <paramref name="toolsPath"/>, scans every tool and emits the report; returns the exit code.</summary>
    public static int Run(string toolsPath, ParseResult parse, ReportOptions options, CliContext context)
    {
        var full = Path.GetFullPath(toolsPath, context.WorkingDirectory);
        var tools = ToolDefinitionsFile.Load(full);
        var scanner = new ToolDescriptionScanner();
        var findings = new List<Finding>();
        foreach (var loaded in tools)
        {
            foreach (var finding in scanner.Scan(loaded.Tool))
            {
                // Point at the file and the line where the tool starts, so an editor can jump to it.
                findings.Add(finding with
                {
                    Location = new SourceLocation { File = toolsPath, Line = loaded.Line, Snippet = finding.Location?.Snippet },
                });
            }
        }

        context.StatusConsole.MarkupLine($"checked {tools.Count} tool definition(s) from {Markup.Escape(toolsPath)}");
        return options.Emit(parse, Report.Create([], findings), context);
    }
}
