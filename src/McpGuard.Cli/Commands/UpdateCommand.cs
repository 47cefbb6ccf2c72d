using System.CommandLine;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Runtime.Pins;
using McpGuard.Runtime.Processes;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Install;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Updates;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard update [SERVER]</c>: lists the releases newer than each locked npm server's version with their diff
/// verdicts and, on approval, moves the lock (version, integrity, tool pins) and rewrites the client configs to the
/// exact approved version. Nothing moves without approval; a blocked version needs --to and --yes.
/// </summary>
internal static class UpdateCommand
{
    public static Command Create(CliContext context, RunServices? services = null)
    {
        services ??= RunServices.Default;
        var server = new Argument<string?>("server")
        {
            Description = "The locked server to update (its name in the lock file). Default: every locked npm server.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var options = new UpdateOptions();
        var yes = new Option<bool>("--yes", "-y") { Description = "Approve without asking (for scripts). A version with verdict block also needs --to." };
        var to = new Option<string?>("--to") { Description = "Move to this exact version instead of the newest one that is not blocked (needs a single server)." };
        var noStart = new Option<bool>("--no-start") { Description = "Do not start the new version to pin its tools; clear the pins so the next run asks for 'mcpguard approve'." };
        var command = new Command("update", "Review the versions newer than the locked one (diff verdicts) and, on approval, move the lock and the client configs to one exact version.");
        command.Add(server);
        options.AddTo(command, startsServers: true);
        command.Add(yes);
        command.Add(to);
        command.Add(noStart);
        command.SetAction(async (parse, ct) =>
        {
            var lockPath = options.LockPath(parse, context);
            var lockFile = File.Exists(lockPath)
                ? LockFileSerializer.Load(lockPath)
                : throw new UserInputException($"lock file {lockPath} not found (create it with 'mcpguard lock' or 'mcpguard pin')");
            var names = Targets(lockFile, parse.GetValue(server), lockPath);
            var wanted = parse.GetValue(to);
            if (wanted is not null && names.Count != 1)
            {
                throw new UserInputException("--to needs one server: name it (mcpguard update SERVER --to VERSION)");
            }

            using var http = options.Sources.CreateHttpClient();
            var loader = options.Sources.CreateLoader(parse, context, http);
            var reviewer = new UpdateReviewer(loader, services.Scanner);

            // Review everything before changing anything: an error for any server leaves lock and configs untouched.
            var reviews = new List<(string Name, UpdateReview Review)>();
            foreach (var name in names)
            {
                var package = lockFile.Servers[name].Package!;
                var review = await Guard($"{name} ({package.Name})", () => reviewer.ReviewAsync(package, ct), ct);
                Print(context, name, review, loader.Registry!.Registry);
                reviews.Add((name, review));
            }

            var exit = ExitCodes.Ok;
            var moves = new List<(string Name, PendingVersion Target)>();
            foreach (var (name, review) in reviews)
            {
                var target = Choose(context, name, review, wanted, parse.GetValue(yes));
                if (target is null)
                {
                    exit = review.Pending.Count > 0 ? ExitCodes.Findings : exit;
                    continue;
                }

                moves.Add((name, target));
            }

            if (moves.Count == 0)
            {
                return exit;
            }

            var discovery = options.Discovery(parse, context);
            discovery.Validate();
            await using var audit = CommandAudit.Open(services, parse.GetValue(options.Audit), context);
            var versions = new Dictionary<string, string>(StringComparer.Ordinal);
            var pinNotes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, target) in moves)
            {
                var locked = lockFile.Servers[name];
                var (tools, note) = parse.GetValue(noStart)
                    ? (null, "not started (--no-start)")
                    : await PinToolsAsync(parse, options, services, context, locked, target.Version, loader.Registry!.Registry, ct);
                pinNotes[name] = tools is null
                    ? $"{note}; tool pins cleared: the next 'mcpguard run' holds its tools until 'mcpguard approve --name {name}'"
                    : note;
                lockFile = lockFile.WithServer(name, LockMove.To(locked, target.Version, target.Integrity!, tools));
                versions[locked.Package!.Name] = target.Version;
            }

            LockFileSerializer.Save(lockFile, lockPath);
            var rewrite = ConfigVersionRewriter.Rewrite(discovery, versions, TimeProvider.System);
            foreach (var (name, target) in moves)
            {
                var from = reviews.Single(r => r.Name == name).Review.LockedVersion;
                var package = lockFile.Servers[name].Package!;
                context.Out.WriteLine($"{name}: lock moved {package.Name} {from} -> {target.Version} ({target.Decision}) -> {lockPath}");
                context.Out.WriteLine($"{name}: {pinNotes[name]}");
                await RecordAsync(audit.Sink, TimeProvider.System, name, "update approved", package, from, target, pinNotes[name], rewrite, ct);
            }

            PrintRewrite(context, rewrite);
            return exit;
        });
        return command;
    }

    private static List<string> Targets(LockFile lockFile, string? only, string lockPath)
    {
        if (only is null)
        {
            return [.. lockFile.Servers.Where(s => s.Value.Package is not null).Select(s => s.Key).Order(StringComparer.Ordinal)];
        }

        if (!lockFile.Servers.TryGetValue(only, out var entry))
        {
            throw new UserInputException($"server '{only}' is not in {lockPath}");
        }

        return entry.Package is null
            ? throw new UserInputException($"server '{only}' in {lockPath} has no npm package to update (lock it from an npx launch, or run 'mcpguard pin')")
            : [only];
    }

    /// <summary>Turns registry failures into one-line user errors naming the server; nothing has been changed yet.</summary>
    internal static Task<T> Guard<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken) =>
        PackageSourceOptions.RegistryCallAsync(what, "; lock and configs unchanged", action, cancellationToken);

    private static void Print(CliContext context, string name, UpdateReview review, Uri registry)
    {
        if (review.Pending.Count == 0)
        {
            context.Out.WriteLine($"{name}: {review.Package}@{review.LockedVersion} is up to date on {registry}");
            return;
        }

        context.Out.WriteLine($"{name}: {review.Package} locked at {review.LockedVersion}; {review.Pending.Count} newer version(s) on {registry}"
            + (review.Skipped > 0 ? $" ({review.Skipped} older ones not reviewed)" : ""));
        foreach (var p in review.Pending)
        {
            var head = $"  {p.Version,-12} {p.Decision,-7} {(p.Verdict is { } v ? v.Score.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : ""),5}  ";
            var reasons = p.Error is not null ? [p.Error] : p.Verdict!.Reasons.Take(3).ToList();
            context.Out.WriteLine(head + reasons.FirstOrDefault());
            foreach (var r in reasons.Skip(1))
            {
                context.Out.WriteLine(new string(' ', head.Length) + r);
            }
        }
    }

    /// <summary>The version to move to, or null (after saying why) when nothing is approved.</summary>
    private static PendingVersion? Choose(CliContext context, string name, UpdateReview review, string? wanted, bool yes)
    {
        if (review.Pending.Count == 0)
        {
            return null;
        }

        PendingVersion? target;
        if (wanted is not null)
        {
            target = review.Pending.FirstOrDefault(p => p.Version == wanted.TrimStart('=', 'v'))
                ?? throw new UserInputException($"--to {wanted}: not a release of {review.Package} newer than {review.LockedVersion} (newer: {string.Join(", ", review.Pending.Select(p => p.Version))})");
            if (target.Error is not null)
            {
                throw new UserInputException($"--to {wanted}: {target.Error}; lock and configs unchanged");
            }
        }
        else
        {
            target = review.NewestApprovable;
            if (target is null)
            {
                var blocked = review.Pending.LastOrDefault(p => p.Decision == "block");
                context.Out.WriteLine($"{name}: no newer version can be approved without --to"
                    + (blocked is null ? "" : $"; to take {blocked.Version} (verdict block) anyway: mcpguard update {name} --to {blocked.Version} --yes"));
                return null;
            }
        }

        if (target.Decision == "block" && (wanted is null || !yes))
        {
            context.Out.WriteLine($"{name}: {target.Version} has verdict block; moving to it needs both --to {target.Version} and --yes (lock unchanged)");
            return null;
        }

        if (yes)
        {
            return target;
        }

        // Interactive confirmation only on a real terminal; scripts must say --yes.
        if (context.Console.Profile.Capabilities.Interactive && !Console.IsInputRedirected
            && context.Console.Confirm($"Move {name} from {review.Package}@{review.LockedVersion} to {target.Version} (verdict {target.Decision})?", defaultValue: false))
        {
            return target;
        }

        context.Out.WriteLine($"{name}: not approved; run 'mcpguard update {name} --to {target.Version} --yes' to move the lock to {target.Version}");
        return null;
    }

    /// <summary>
    /// Starts the approved version the way run would (same launcher and sandbox) and pins the tools it lists.
    /// Fails closed: when it cannot be started, the pins are cleared (null), never carried over from the old version.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<string, LockedTool>? Tools, string Note)> PinToolsAsync(
        ParseResult parse, UpdateOptions options, RunServices services, CliContext context, LockedServer locked, string version, Uri registry, CancellationToken ct)
    {
        var package = locked.Package!;
        if (LockMove.LaunchOf(locked, version) is not { } launch)
        {
            return (null, $"not started: the lock's command ({locked.Command}) does not start {package.Name} from the registry; install {package.Name}@{version} where it points");
        }

        try
        {
            var launcher = (await services.SelectLauncherAsync(parse.GetValue(options.Sandbox), context, ct)).Launcher;
            var environment = new Dictionary<string, string>(ServerEnvironment.Build(context.GetEnvironmentVariable, parse.GetValue(options.PassEnv) ?? []), StringComparer.Ordinal)
            {
                // npx fetches the release from the registry it was just reviewed on.
                ["npm_config_registry"] = registry.AbsoluteUri,
            };
            var spec = new ServerLaunchSpec { Command = launch[0], Arguments = [.. launch.Skip(1)], WorkingDirectory = context.WorkingDirectory, Environment = environment };
            var tools = await ServerToolLister.ListAsync(launcher, spec, context.Error, ct);
            var pins = tools.ToDictionary(t => t.Name, t => new LockedTool(ToolPin.Hash(t), ToolPin.ToDefinitionJson(t)), StringComparer.Ordinal);
            return (pins, $"tool pins: started {package.Name}@{version} and pinned its {pins.Count} tool(s)");
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ServerStartException
            or ModelContextProtocol.McpException or UserInputException or InvalidOperationException)
        {
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            return (null, $"could not start {package.Name}@{version} to list its tools ({ex.Message})");
        }
    }

    internal static void PrintRewrite(CliContext context, InstallResult rewrite, bool dryRun = false)
    {
        foreach (var c in rewrite.Changes)
        {
            context.Out.WriteLine($"{(dryRun ? "would rewrite" : "rewrote")} {c.Server} in {c.ConfigPath}: {c.Action}");
        }

        foreach (var b in rewrite.Backups)
        {
            context.Out.WriteLine($"backup: {b}");
        }

        foreach (var n in rewrite.Notes)
        {
            context.Error.WriteLine($"note: {n}");
        }

        if (rewrite.Changes.Count > 0 && !dryRun)
        {
            context.Out.WriteLine("Restart the clients so they pick up the change.");
        }
    }

    /// <summary>One audit event per approval: who moved to what, with the verdict that was shown.</summary>
    internal static ValueTask RecordAsync(
        IAuditSink audit, TimeProvider time, string server, string reason, LockedPackage package, string? from, PendingVersion? target, string pins, InstallResult rewrite, CancellationToken ct)
    {
        var details = new JsonObject
        {
            ["package"] = package.Name,
            ["from"] = from,
            ["to"] = package.Version,
            ["integrity"] = package.Integrity,
            ["pins"] = pins,
            ["configs"] = new JsonArray([.. rewrite.Changes.Where(c => c.Server == server).Select(c => (JsonNode?)JsonValue.Create(c.ConfigPath))]),
        };
        if (target?.Verdict is { } verdict)
        {
            details["verdict"] = verdict.Decision;
            details["score"] = verdict.Score;
            details["reasons"] = new JsonArray([.. verdict.Reasons.Take(5).Select(r => (JsonNode?)JsonValue.Create(r))]);
        }

        return audit.AppendAsync(
            new AuditEvent
            {
                Time = time.GetUtcNow(),
                Kind = "approval",
                Server = server,
                Decision = "allow",
                Reason = $"{reason}: {package.Name} {from ?? "(unlocked)"} -> {package.Version}",
                Details = details,
            },
            ct);
    }
}
