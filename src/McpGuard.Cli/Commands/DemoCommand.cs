using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
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
        var sandbox = new Option<string>("--sandbox")
        {
            Description = "auto (bubblewrap when it works here, else proxy-environment mode, said loudly), bwrap (require it) or none (proxy-environment mode: weaker, the server is not confined).",
            DefaultValueFactory = _ => "auto",
        };
        sandbox.AcceptOnlyFromAmong("auto", "bwrap", "none");
        var command = new Command("demo", "Replay the postmark-mcp incident end to end on bundled local fixtures: scan, diff, a guarded run that delivers, one that blocks the hidden Bcc, audit verify.");
        command.Add(keep);
        command.Add(sandbox);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var status = context.Error;
            var node = ExecutableLocator.Find("node") ?? throw new UserInputException(
                "node was not found on PATH; the demo's email servers are Node.js programs. Install Node.js 18 or newer " +
                "(Debian/Ubuntu: apt-get install nodejs npm; or https://nodejs.org), then run mcpguard demo again.");
            var mode = await ChooseSandboxAsync(parse.GetValue(sandbox) ?? "auto", node, context, cancellationToken);

            var package = await DemoNodePackage.EnsureInstalledAsync(DataDirectory.Resolve(context.GetEnvironmentVariable), status, cancellationToken);
            var work = Path.Combine(Path.GetTempPath(), $"mcpguard-demo-{Guid.NewGuid():N}"[..22]);
            DataDirectory.CreatePrivate(work);
            var keepFolder = parse.GetValue(keep);
            try
            {
                var scenario = new DemoScenario(
                    new DemoOptions { GuardCommand = SelfCommand(), WorkFolder = work, ServerPackage = package, Sandbox = mode },
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
    /// bwrap when the sandbox works here; otherwise (auto) proxy-environment mode, announced on stderr with how to
    /// install bubblewrap, because a demo that cannot run at all shows less than one that runs weaker and says so.
    /// </summary>
    private static async Task<string> ChooseSandboxAsync(string requested, string node, CliContext context, CancellationToken cancellationToken)
    {
        if (requested == "none")
        {
            await context.Error.WriteLineAsync($"demo: node at {node}; --sandbox none: the servers run in proxy-environment mode (weaker, not confined).");
            return "none";
        }

        await context.Error.WriteLineAsync($"demo: node at {node}; checking the bubblewrap sandbox ...");
        var probe = await SandboxProbe.RunAsync(cancellationToken: cancellationToken);
        if (probe.IsAvailable)
        {
            return "bwrap";
        }

        var install = $"bubblewrap is not available here: {probe.Reason}. Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap). Fix: {probe.Remedy}.";
        if (requested == "bwrap")
        {
            throw new UserInputException("--sandbox bwrap: " + install);
        }

        await context.Error.WriteLineAsync($"mcpguard: demo: {install}");
        await context.Error.WriteLineAsync("mcpguard: demo: continuing in proxy-environment mode (weaker: the email servers are NOT confined; they use McpGuard's egress proxy only because their environment says so).");
        return "none";
    }

    /// <summary>
    /// How to start this same McpGuard: the apphost (<c>mcpguard</c>) when that is what runs, else
    /// <c>dotnet mcpguard.dll</c> (dotnet run, dotnet tool, tests).
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location (single-file or Native AOT) is handled: the process is then McpGuard itself.")]
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
