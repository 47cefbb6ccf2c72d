using System.CommandLine;

namespace McpGuard.Cli.Commands;

/// <summary>Every top-level command. Adding a command is one class in this folder plus one line here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        RulesCommand.Create(context),
        AnalyzeCommand.Create(context),
        DiffCommand.Create(context),
    ];
}
