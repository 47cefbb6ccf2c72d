using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;

namespace McpGuard.Cli.Commands;

/// <summary>The common output options of every reporting command: --format, --output and --fail-on.</summary>
internal sealed class ReportOptions
{
    public Option<string> Format { get; } = new("--format", "-f")
    {
        Description = "Output format: table, json or sarif.",
        DefaultValueFactory = _ => "table",
    };

    public Option<string?> Output { get; } = new("--output", "-o")
    {
        Description = "Write the report to this file (atomically) instead of stdout.",
    };

    public Option<string> FailOn { get; } = new("--fail-on")
    {
        Description = "Exit 1 when a finding is at or above this severity: info, low, medium, high or critical.",
        DefaultValueFactory = _ => "high",
    };

    public ReportOptions AddTo(Command command)
    {
        Format.AcceptOnlyFromAmong(ReportRenderer.FormatNames);
        FailOn.AcceptOnlyFromAmong(SeverityNames.All);
        command.Add(Format);
        command.Add(Output);
        command.Add(FailOn);
        return this;
    }

    /// <summary>Renders the report as asked and returns the exit code for it.</summary>
    public int Emit(ParseResult parse, Report report, CliContext context)
    {
        var format = ReportRenderer.ParseFormat(parse.GetValue(Format));
        if (!SeverityNames.TryParse(parse.GetValue(FailOn), out var failOn))
        {
            throw new UserInputException($"--fail-on must be one of {string.Join(", ", SeverityNames.All)}.");
        }

        var output = parse.GetValue(Output);
        if (output is not null)
        {
            output = Path.GetFullPath(output, context.WorkingDirectory);
        }

        try
        {
            ReportRenderer.Write(report, format, output, context.Out, context.Console);
        }
        catch (IOException ex)
        {
            throw new UserInputException($"cannot write --output {output}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UserInputException($"cannot write --output {output}: {ex.Message}", ex);
        }

        return ReportRenderer.ExitCode(report, failOn);
    }
}
