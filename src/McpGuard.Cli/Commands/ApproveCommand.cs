using System.CommandLine;
using McpGuard.Core;
using McpGuard.Runtime.Pins;
using McpGuard.Verify.Lock;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard approve [--name S] [--tool T]</c>: starts each locked server (its stored command), shows a readable diff
/// of every tool that changed, appeared or disappeared, and moves the pins to what the server offers now. With
/// --tool only that tool's pin moves. --dry-run shows the diff without writing.
/// </summary>
internal static class ApproveCommand
{
    public static Command Create(CliContext context, RunServices? services = null)
    {
        services ??= RunServices.Default;
        var launch = new ServerLaunchOptions();
        var tool = new Option<string[]>("--tool") { Description = "Approve only this tool (repeatable); default: every change." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the diff, change nothing." };
        var command = new Command("approve", "Show what changed in a locked server's tools since approval and move the pins (approve the change).");
        launch.AddTo(command);
        command.Add(tool);
        command.Add(dryRun);
        command.SetAction(async (parse, ct) =>
        {
            var lockFile = launch.LoadLock(parse, context)
                ?? throw new UserInputException($"lock file {launch.LockPath(parse, context)} not found (create it with 'mcpguard lock')");
            var names = parse.GetValue(launch.Name) is { } n ? [n] : lockFile.Servers.Keys.ToList();
            var only = parse.GetValue(tool) ?? [];
            var changed = 0;
            foreach (var name in names)
            {
                if (!lockFile.Servers.TryGetValue(name, out var locked))
                {
                    throw new UserInputException($"--name {name}: no such server in {launch.LockPath(parse, context)}");
                }

                string[] serverCommand = parse.GetValue(launch.Command) is { Length: > 0 } c ? c : [locked.Command, .. locked.Args];
                var current = await LockCommand.ListToolsAsync(parse, launch, services, context, serverCommand, ct);
                var changes = PinDiff.Compare(locked, current).Where(ch => only.Length == 0 || only.Contains(ch.Tool, StringComparer.Ordinal)).ToList();
                var fresh = LockCommand.Build(serverCommand, current, context.WorkingDirectory);
                var packageChanged = fresh.Package != locked.Package;
                if (changes.Count == 0 && !packageChanged)
                {
                    context.Out.WriteLine($"{name}: no changes");
                    continue;
                }

                foreach (var change in changes)
                {
                    context.Out.WriteLine($"{name}: tool '{change.Tool}' {change.Kind}");
                    context.Out.WriteLine(change.Diff);
                }

                if (packageChanged)
                {
                    context.Out.WriteLine($"{name}: package {Describe(locked.Package)} -> {Describe(fresh.Package)}");
                }

                changed += changes.Count;
                var tools = new Dictionary<string, LockedTool>(locked.Tools, StringComparer.Ordinal);
                foreach (var change in changes)
                {
                    if (fresh.Tools.TryGetValue(change.Tool, out var pin))
                    {
                        tools[change.Tool] = pin;
                    }
                    else
                    {
                        tools.Remove(change.Tool);
                    }
                }

                lockFile = lockFile.WithServer(name, locked with
                {
                    Command = serverCommand[0],
                    Args = [.. serverCommand.Skip(1)],
                    Package = only.Length == 0 ? fresh.Package : locked.Package,
                    Tools = tools,
                });
            }

            if (!parse.GetValue(dryRun))
            {
                LockFileSerializer.Save(lockFile, launch.LockPath(parse, context));
                context.Out.WriteLine($"approved {changed} tool changes -> {launch.LockPath(parse, context)}");
            }

            return 0;
        });
        return command;
    }

    private static string Describe(LockedPackage? p) => p is null ? "(none)" : $"{p.Name}@{p.Version} {p.Integrity}";
}
