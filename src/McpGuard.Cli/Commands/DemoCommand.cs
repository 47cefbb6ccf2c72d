using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Demo;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard demo</c>: the postmark-mcp scenario end to end on bundled, loopback-only fixtures (see
/// <see cref="DemoScenario"/>). Exit 0 when every step behaved as expected, 1 when one did not, 2 when something the
/// demo needs is missing (node/npm, the npm registry on first run, a sandbox).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the demo's temporary folder (home, audit log, CA) and print where it is." };
        var command = new Command("demo", "Replay the postmark-mcp incident end to end on bundled local fixtures: scan, diff, a guarded run that delivers, one that blocks the hidden Bcc, audit verify.");
        command.Add(keep);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var status = context.Error;
            var node = ExecutableLocator.Find("node") ?? throw new UserInputException(
                "node was not found on PATH; the demo's email servers are Node.js programs. Install Node.js 18 or newer " +
                "(Debian/Ubuntu: apt-get install nodejs npm; or https://nodejs.org), then run mcpguard demo again.");
            await status.WriteLineAsync($"demo: node at {node}; checking the bubblewrap sandbox ...");
            var probe = await SandboxProbe.RunAsync(cancellationToken: cancellationToken);
            if (!probe.IsAvailable)
            {
                throw new UserInputException(
                    $"the demo runs the email servers in a bubblewrap sandbox, which is not available here: {probe.Reason}. " +
                    $"Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap). Fix: {probe.Remedy}.");
            }

            var package = await DemoNodePackage.EnsureInstalledAsync(DataDirectory.Resolve(context.GetEnvironmentVariable), status, cancellationToken);
            var work = Path.Combine(Path.GetTempPath(), $"mcpguard-demo-{Guid.NewGuid():N}"[..22]);
            DataDirectory.CreatePrivate(work);
            var keepFolder = parse.GetValue(keep);
            try
            {
                var scenario = new DemoScenario(
                    new DemoOptions { GuardCommand = SelfCommand(), WorkFolder = work, ServerPackage = package, Sandbox = "bwrap" },
                    context.Out,
                    status);
                var passed = await scenario.RunAsync(cancellationToken);
                if (keepFolder)
                {
                    await context.Out.WriteLineAsync($"Kept the demo folder: {work} (audit log: {Path.Combine(work, "audit.db")}).");
                }

                if (!passed)
                {
                    await status.WriteLineAsync($"mcpguard: demo: {scenario.Steps.Count(s => !s.Passed)} step(s) did not behave as expected (see above).");
                    return ExitCodes.Findings;
                }

                return ExitCodes.Ok;
            }
            finally
            {
                if (!keepFolder && Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>
    /// How to start this same McpGuard: the apphost (<c>mcpguard</c>) when that is what runs, else
    /// <c>dotnet mcpguard.dll</c> (dotnet run, dotnet tool, tests).
    /// </summary>
    internal static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath;
        var dll = typeof(DemoCommand).Assembly.Location;
        if (process is not null && (dll.Length == 0 || Path.GetFileNameWithoutExtension(process) == "mcpguard"))
        {
            // Single-file or apphost: the process is McpGuard itself.
            return [process];
        }

        var dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return [dotnet, dll];
    }
}
