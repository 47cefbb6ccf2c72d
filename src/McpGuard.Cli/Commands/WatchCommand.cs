using System.CommandLine;
using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Lock;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Watch;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard watch</c>: polls the registry for new versions of every locked or configured npm server, reviews each
/// (integrity, diff against the baseline, publisher/provenance/burst/cooldown signals) and reports it: JSON lines on
/// stdout, a summary on stderr, the audit store, an optional webhook. It never approves anything or moves the lock.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(CliContext context, IToolDescriptionScanner? toolScanner = null)
    {
        var lockOption = new Option<string?>("--lock") { Description = "Lock file whose servers are watched (default: ./mcpguard.lock.json; skipped when the default is absent)." };
        var home = new Option<string?>("--home")
        {
            Description = "Read client configs from this folder as the home directory instead of yours (as in scan). Machine-wide files and your environment are then ignored.",
        };
        var configs = new Option<string[]>("--config") { Description = "Also watch the servers of this MCP config file. Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var registry = new Option<string?>("--registry") { Description = "npm registry to poll (default https://registry.npmjs.org, or $MCPGUARD_REGISTRY)." };
        var interval = new Option<string>("--interval") { Description = "Time between polls, e.g. 30s, 15m, 1h (default 15m; doubles, up to 8x, while the registry is unreachable).", DefaultValueFactory = _ => "15m" };
        var once = new Option<bool>("--once") { Description = "Poll once and exit: 1 if a version needs review or is blocked, 2 if the registry could not be checked, else 0." };
        var cooldown = new Option<string>("--cooldown") { Description = "Versions younger than this ask for a review (default 7d; 0 turns it off).", DefaultValueFactory = _ => "7d" };
        var burst = new Option<int>("--burst") { Description = "This many versions within 24 hours ask for a review (default 3; 0 turns it off).", DefaultValueFactory = _ => 3 };
        var webhook = new Option<string?>("--webhook") { Description = "Also POST each event as JSON to this URL (queued, retried with back-off, never blocks the watch)." };
        var audit = new Option<string?>("--audit") { Description = "Audit store to record every event in (default <data dir>/audit.db, as for run)." };
        var cache = new Option<string?>("--cache") { Description = "Folder for the verified-tarball cache (default <data dir>/cache/npm)." };
        var format = new Option<string>("--format", "-f")
        {
            Description = "json: one JSON line per event on stdout and a summary on stderr; table: the summary on stdout only.",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "table");

        var command = new Command("watch", "Review every new version of your locked or configured npm servers as it is published (never approves anything).");
        foreach (var option in new Option[] { lockOption, home, configs, registry, interval, once, cooldown, burst, webhook, audit, cache, format })
        {
            command.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new WatchOptions
            {
                Registry = ParseUrl(parse.GetValue(registry) ?? context.GetEnvironmentVariable("MCPGUARD_REGISTRY"), "--registry") ?? NpmRegistryClient.DefaultRegistry,
                Interval = Durations.Parse(parse.GetValue(interval)!, "--interval"),
                Cooldown = Durations.Parse(parse.GetValue(cooldown)!, "--cooldown"),
                BurstCount = parse.GetValue(burst),
            };
            options.Validate();
            var webhookUrl = ParseUrl(parse.GetValue(webhook), "--webhook");
            var table = parse.GetValue(format) == "table";
            var targetsSource = new TargetSource(context, parse.GetValue(lockOption), parse.GetValue(home), parse.GetValue(configs) ?? []);
            var first = targetsSource.Read();

            var redactor = new SecretRedactor();
            await using var auditSink = AuditLocation.OpenSink(parse.GetValue(audit), redactor, context.GetEnvironmentVariable, context.WorkingDirectory);
            var console = table ? context.Console : context.StatusConsole;
            var sinks = new List<IWatchEventSink> { new AuditWatchSink(auditSink), new TerminalWatchSink(console) };
            if (!table)
            {
                sinks.Insert(0, new JsonLinesWatchSink(context.Out));
            }

            await using var notifier = webhookUrl is null ? null : new WebhookNotifier(webhookUrl, m => context.StatusConsole.MarkupLine($"[yellow]{Markup.Escape(m)}[/]"));
            if (notifier is not null)
            {
                sinks.Add(notifier);
            }

            using var http = WatchHttp.CreateClient(options);
            var cacheDir = parse.GetValue(cache) is { } c ? Path.GetFullPath(c, context.WorkingDirectory) : PackageCache.DefaultDirectory(context.GetEnvironmentVariable);
            var runner = WatchRunner.Create(options, http, sinks, WatchRunner.DefaultStatePath(context.GetEnvironmentVariable), new PackageCache(cacheDir), toolScanner, redactor);
            if (runner.StateProblem is { } problem)
            {
                context.StatusConsole.MarkupLine($"[yellow]{Markup.Escape(problem)}[/]");
            }

            context.StatusConsole.MarkupLine($"Watching {first.Count} package(s) on {Markup.Escape(options.RegistryDisplay)}{(parse.GetValue(once) ? " (once)" : $" every {Markup.Escape(parse.GetValue(interval)!)}")}; watch reports, it never approves or moves the lock.");
            if (parse.GetValue(once))
            {
                var result = await runner.RunCycleAsync(first, cancellationToken);
                context.StatusConsole.MarkupLine(Markup.Escape(Tally(result)));
                return result.ExitCode;
            }

            await runner.RunAsync(targetsSource.ReadOrKeep, cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Tally(WatchCycleResult result)
    {
        var versions = result.Events.Where(e => e.Type == WatchEvent.VersionType).ToList();
        return $"{versions.Count} new version(s): {versions.Count(e => e.Verdict == "block")} block, {versions.Count(e => e.Verdict == "review")} review, "
            + $"{versions.Count(e => e.Verdict == "ok")} ok; {result.Events.Count(e => e.Type == WatchEvent.ErrorType)} problem(s).";
    }

    private static Uri? ParseUrl(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // Never echo a webhook URL: its path or query is often the secret.
            throw new UserInputException($"{option} is not an http(s) URL.");
        }

        return uri;
    }

    /// <summary>Reads the lock and the client configs; later cycles keep the last good targets when the lock is being rewritten.</summary>
    private sealed class TargetSource(CliContext context, string? lockOption, string? home, string[] configs)
    {
        private IReadOnlyList<WatchTarget> _last = [];
        private bool _first = true;

        public IReadOnlyList<WatchTarget> Read()
        {
            var lockPath = Path.GetFullPath(lockOption ?? LockFile.DefaultFileName, context.WorkingDirectory);
            LockFile? lockFile = null;
            if (File.Exists(lockPath))
            {
                lockFile = LockFileSerializer.Load(lockPath);
            }
            else if (lockOption is not null)
            {
                throw new UserInputException($"--lock file {lockPath} not found");
            }

            var homePath = home is null ? ScanCommand.UserHome(context) : Path.GetFullPath(home, context.WorkingDirectory);
            var targets = WatchTargets.Discover(lockFile, new DiscoveryOptions
            {
                Home = homePath,
                HomeOverridden = home is not null,
                ExtraConfigs = [.. configs.Select(c => Path.GetFullPath(c, context.WorkingDirectory))],
                SystemRoot = home is null ? "/" : null,
                ProjectFolders = home is null ? [context.WorkingDirectory] : [],
                Environment = context.GetEnvironmentVariable,
            });
            if (_first && targets.Count == 0)
            {
                throw new UserInputException($"nothing to watch: no npm server in {lockPath} or in the client configs under {homePath} (lock one with 'mcpguard lock', or pass --lock/--config)");
            }

            _first = false;
            _last = targets;
            return targets;
        }

        public IReadOnlyList<WatchTarget> ReadOrKeep()
        {
            try
            {
                return Read();
            }
            catch (UserInputException ex)
            {
                context.StatusConsole.MarkupLine($"[yellow]{Markup.Escape(ex.Message)}; keeping the previous list of {_last.Count} package(s).[/]");
                return _last;
            }
        }
    }

    /// <summary>Every event into the audit store (kind watch.version / watch.error / watch.no-baseline).</summary>
    private sealed class AuditWatchSink(IAuditSink sink) : IWatchEventSink
    {
        public ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken) =>
            sink.AppendAsync(new AuditEvent
            {
                Time = watchEvent.Time,
                Kind = watchEvent.Type,
                Server = watchEvent.Servers.Count > 0 ? string.Join(",", watchEvent.Servers) : watchEvent.Package,

                // watch never allows: "ok" is recorded as info, review as an alert, a refusal as block.
                Decision = watchEvent.Verdict switch { "block" => "block", "review" => "alert", "ok" => "info", _ => watchEvent.Type == WatchEvent.ErrorType ? "error" : "info" },
                Reason = watchEvent.Summary,
                RuleId = watchEvent.RuleId,
                Details = watchEvent.ToJson(),
            }, cancellationToken);
    }

    /// <summary>The human summary: one coloured line per event.</summary>
    private sealed class TerminalWatchSink(IAnsiConsole console) : IWatchEventSink
    {
        public ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken)
        {
            var colour = watchEvent.Verdict switch { "block" => "red", "review" => "yellow", "ok" => "green", _ => watchEvent.Type == WatchEvent.ErrorType ? "yellow" : "grey" };
            console.MarkupLine($"[{colour}]{Markup.Escape(watchEvent.Summary)}[/]");
            return ValueTask.CompletedTask;
        }
    }
}
