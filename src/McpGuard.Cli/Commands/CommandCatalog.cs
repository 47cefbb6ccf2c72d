using System.CommandLine;
using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Cli.Commands;

/// <summary>Every top-level command. Adding a command is one class in this folder plus one line here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        RulesCommand.Create(context),
        ScanCommand.Create(context),
        IntelCommand.Create(context),
        InstallCommand.Create(context),
        AuditCommand.Create(context),
        MailAuditCommand.Create(context),
        RunCommand.Create(context),
        LockCommand.Create(context),
        VerifyCommand.Create(context),
        ApproveCommand.Create(context),
        DemoCommand.Create(context),
        AnalyzeCommand.Create(context, new ToolDescriptionScanner()),
        DiffCommand.Create(context, new ToolDescriptionScanner()),
        WatchCommand.Create(context, new ToolDescriptionScanner()),
        UpdateCommand.Create(context),
        PinCommand.Create(context),
    ];
}
