using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Updates;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard pin [SERVER]</c>: for npm servers configured without an exact version (<c>npx -y name</c>,
/// <c>name@latest</c>, a range), writes a lock entry for the version really installed (else the registry's current
/// one) with the registry's integrity, and rewrites the configs to <c>name@x.y.z</c>. Idempotent.
/// </summary>
internal static class PinCommand
{
    public static Command Create(CliContext context, RunServices? services = null)
    {
        services ??= RunServices.Default;
        var server = new Argument<string?>("server")
        {
            Description = "The configured server to pin (its name in the client config). Default: every npm server.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var options = new UpdateOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be pinned and rewritten; change nothing." };
        var command = new Command("pin", "Pin npm servers that run whatever version is current (npx -y name): lock entry with integrity, configs rewritten to name@x.y.z.");
        command.Add(server);
        options.AddTo(command, startsServers: false);
        command.Add(dryRun);
        command.SetAction(async (parse, ct) =>
        {
            var lockPath = options.LockPath(parse, context);
            var lockFile = File.Exists(lockPath) ? LockFileSerializer.Load(lockPath) : new LockFile();
            var discovery = options.Discovery(parse, context);
            discovery.Validate();
            var only = parse.GetValue(server);
            using var http = options.Sources.CreateHttpClient();
            var registry = new NpmRegistryClient(http, options.Sources.RegistryUrl(parse, context));
            var plan = await UpdateCommand.Guard("pin", () => new PinPlanner(registry).PlanAsync(discovery, lockFile, only, ct), ct);
            foreach (var note in plan.Notes)
            {
                context.Error.WriteLine($"note: {note}");
            }

            foreach (var refused in plan.Refused)
            {
                context.Error.WriteLine($"not pinned: {refused}");
            }

            if (only is not null && plan.Pins.Count == 0 && !plan.Configured.Contains(only))
            {
                throw new UserInputException($"server '{only}' is not an npm server in any client config under {discovery.Home}");
            }

            var dry = parse.GetValue(dryRun);
            foreach (var pin in plan.Pins)
            {
                context.Out.WriteLine(pin.NewLockEntry is null
                    ? $"{pin.Server}: configs follow the lock, {pin.Package}@{pin.Version}"
                    : $"{pin.Server}: {(dry ? "would pin" : "pinned")} {pin.Package}@{pin.Version} ({pin.Source}), integrity {pin.Integrity}");
            }

            var rewrite = ConfigVersionRewriter.Rewrite(discovery, plan.Versions, TimeProvider.System, dry);
            var entries = plan.Pins.Where(p => p.NewLockEntry is not null).ToList();
            if (!dry && entries.Count > 0)
            {
                await using var audit = CommandAudit.Open(services, parse.GetValue(options.Audit), context);
                foreach (var pin in entries)
                {
                    lockFile = lockFile.WithServer(pin.Server, pin.NewLockEntry!);
                }

                LockFileSerializer.Save(lockFile, lockPath);
                context.Out.WriteLine($"lock: {entries.Count} server(s) -> {lockPath}; tool pins are empty until 'mcpguard approve --name SERVER' (run holds their tools until then)");
                foreach (var pin in entries)
                {
                    await UpdateCommand.RecordAsync(audit.Sink, TimeProvider.System, pin.Server, "pin approved", pin.NewLockEntry!.Package!, null, null, "none yet", rewrite, ct);
                }
            }

            UpdateCommand.PrintRewrite(context, rewrite, dry);
            if (plan.Pins.Count == 0 && rewrite.Changes.Count == 0)
            {
                context.Out.WriteLine("nothing to pin: every npm server is pinned and locked");
            }

            return plan.Refused.Count > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
