using System.CommandLine;
using McpGuard.Cli.Commands;
using McpGuard.Core;
using McpGuard.Core.Reports;

namespace McpGuard.Cli;

/// <summary>Composition root: builds the command tree and maps failures to the exit codes of DESIGN.md.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand(
            "McpGuard: verify MCP servers before they run, guard them while they run, investigate afterwards.");
        foreach (var command in CommandCatalog.Create(context))
        {
            root.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line naming the bad argument, then exit 2; full help stays one `--help` away.
            var messages = string.Join("; ", parse.Errors.Select(e => OneLine(HideValues(e.Message, args))).Distinct(StringComparer.Ordinal));
            context.Error.WriteLine($"mcpguard: {messages} (see 'mcpguard {CommandPath(parse)} --help')".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.UsageError;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            }, cancellationToken);
        }
        catch (UserInputException ex)
        {
            context.Error.WriteLine($"mcpguard: {ex.Message}");
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine("mcpguard: cancelled");
            return 130;
        }
    }

    /// <summary>
    /// Parse errors quote the offending token. A value typed after a mistyped option (for example
    /// <c>--postmark-tokn pm-SECRET</c>) would then land on stderr and in CI logs, so every quoted token that is
    /// not the command word and not an option name is replaced before printing.
    /// </summary>
    internal static string HideValues(string message, IReadOnlyList<string> args)
    {
        for (var i = 1; i < args.Count; i++)
        {
            var token = args[i];
            if (token.Length == 0 || token.StartsWith('-'))
            {
                continue;
            }

            message = message.Replace($"'{token}'", "'<value hidden>'", StringComparison.Ordinal);
        }

        return message;
    }

    /// <summary>
    /// System.CommandLine lists an enum option's values one per line ("Must be one of:\n\t'table'\n\t'json'"); the
    /// contract is one line on stderr, so line breaks and tabs become single spaces.
    /// </summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (c.Command is not RootCommand)
            {
                names.Insert(0, c.Command.Name);
            }
        }

        return string.Join(' ', names);
    }
}
