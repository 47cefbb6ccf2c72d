using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Pins;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard lock [--name S] -- &lt;server command&gt;</c>: starts the server as run would, lists its tools and pins
/// them (with the installed package's version and integrity) in the lock file. Without a command, re-locks the
/// server named by --name with the command stored in the lock.
/// </summary>
internal static class LockCommand
{
    public static Command Create(CliContext context, RunServices? services = null)
    {
        services ??= RunServices.Default;
        var launch = new ServerLaunchOptions();
        var command = new Command("lock", "Start an MCP server, list its tools and pin them (and its package) in mcpguard.lock.json.");
        launch.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var lockFile = launch.LoadLock(parse, context, explicitMustExist: false) ?? new LockFile();
            var (name, serverCommand) = ServerFor(parse, launch, lockFile, context);
            var tools = await ListToolsAsync(parse, launch, services, context, serverCommand, ct);
            var entry = Build(serverCommand, tools, context.WorkingDirectory);
            LockFileSerializer.Save(lockFile.WithServer(name, entry), launch.LockPath(parse, context));
            context.Out.WriteLine($"locked {name}: {tools.Count} tools" + (entry.Package is { } p ? $", {p.Name}@{p.Version}" + (p.Integrity is null ? " (integrity unknown)" : "") : "")
                + $" -> {launch.LockPath(parse, context)}");
            return 0;
        });
        return command;
    }

    internal static (string Name, string[] Command) ServerFor(ParseResult parse, ServerLaunchOptions launch, LockFile lockFile, CliContext context)
    {
        var serverCommand = parse.GetValue(launch.Command) ?? [];
        var explicitName = parse.GetValue(launch.Name);
        if (serverCommand.Length == 0)
        {
            if (explicitName is null || !lockFile.Servers.TryGetValue(explicitName, out var existing))
            {
                throw new UserInputException("give the server command after -- (or --name of a server already in the lock file)");
            }

            return (explicitName, [existing.Command, .. existing.Args]);
        }

        return (ServerLaunchOptions.ResolveName(explicitName, lockFile, serverCommand, context.WorkingDirectory), serverCommand);
    }

    internal static async Task<IReadOnlyList<ToolDefinition>> ListToolsAsync(
        ParseResult parse, ServerLaunchOptions launch, RunServices services, CliContext context, string[] serverCommand, CancellationToken ct)
    {
        var selection = await services.SelectLauncherAsync(parse.GetValue(launch.Sandbox), context, ct);
        try
        {
            return await ServerToolLister.ListAsync(selection.Launcher, launch.Spec(parse, context, serverCommand, selection.IsConfined), context.Error, ct);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or Runtime.Processes.ServerStartException
            or ModelContextProtocol.McpException)
        {
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new UserInputException($"could not list the tools of '{string.Join(' ', serverCommand)}': {ex.Message}", ex);
        }
    }

    internal static LockedServer Build(string[] serverCommand, IReadOnlyList<ToolDefinition> tools, string workingDirectory) => new()
    {
        Command = serverCommand[0],
        Args = [.. serverCommand.Skip(1)],
        Package = InstalledPackageLocator.Locate(serverCommand[0], serverCommand.Skip(1), workingDirectory),
        Tools = tools.ToDictionary(t => t.Name, t => new LockedTool(ToolPin.Hash(t), ToolPin.ToDefinitionJson(t)), StringComparer.Ordinal),
    };
}
