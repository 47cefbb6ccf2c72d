using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Packages;
using NuGet.Versioning;

namespace McpGuard.Verify.Watch;

/// <summary>What one polling cycle reported.</summary>
public sealed record WatchCycleResult(IReadOnlyList<WatchEvent> Events)
{
    /// <summary>True when every registry request of the cycle failed to reach the registry (the loop then backs off).</summary>
    public bool RegistryDown { get; init; }

    /// <summary>DESIGN.md exit codes for `watch --once`: 1 when a version needs review or is blocked, else 2 when the registry could not be checked, else 0.</summary>
    public int ExitCode =>
        Events.Any(e => e.Verdict is "block" or "review") ? ExitCodes.Findings
        : Events.Any(e => e.Type == WatchEvent.ErrorType) ? ExitCodes.UsageError
        : ExitCodes.Ok;
}

/// <summary>
/// The watch loop: for each target, a conditional packument GET; for each version published after the baseline and
/// not yet reported, an integrity-checked download, a diff against the baseline and the packument signals, folded
/// into one event. It never approves anything and never writes the lock: it only reports.
/// </summary>
public sealed class WatchRunner
{
    private readonly WatchOptions _options;
    private readonly IReadOnlyList<IWatchEventSink> _sinks;
    private readonly WatchStateStore _state;
    private readonly PackumentFetcher _fetcher;
    private readonly NpmRegistryClient _registry;
    private readonly PackageLoader _loader;
    private readonly PackageDiffer _differ;
    private readonly ISecretRedactor _redactor;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, string> _lastProblem = new(StringComparer.Ordinal);
    private readonly HashSet<string> _noBaselineReported = new(StringComparer.Ordinal);

    internal WatchRunner(
        WatchOptions options,
        HttpClient http,
        IReadOnlyList<IWatchEventSink> sinks,
        WatchStateStore state,
        PackageCache? cache,
        IToolDescriptionScanner? toolScanner,
        ISecretRedactor? redactor,
        TimeProvider? time)
    {
        options.Validate();
        _options = options;
        _sinks = sinks;
        _state = state;
        _fetcher = new PackumentFetcher(http, options);
        _registry = new NpmRegistryClient(http, options.Registry, cache);
        _loader = new PackageLoader(_registry);
        _differ = new PackageDiffer(new PackageAnalyzer(toolScanner, _loader.Limits), _loader);
        _redactor = redactor ?? new SecretRedactor();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// A runner whose ETags and reported versions persist in <paramref name="statePath"/> (null: in memory only).
    /// <paramref name="http"/> should come from <see cref="WatchHttp.CreateClient"/> (polite retries).
    /// </summary>
    public static WatchRunner Create(
        WatchOptions options,
        HttpClient http,
        IReadOnlyList<IWatchEventSink> sinks,
        string? statePath,
        PackageCache? cache = null,
        IToolDescriptionScanner? toolScanner = null,
        ISecretRedactor? redactor = null,
        TimeProvider? time = null) =>
        new(options, http, sinks, statePath is null ? WatchStateStore.InMemory() : WatchStateStore.Load(statePath), cache, toolScanner, redactor, time);

    /// <summary>&lt;data dir&gt;/watch/state.json (see <see cref="McpGuard.Core.DataDirectory"/>).</summary>
    public static string DefaultStatePath(Func<string, string?>? getEnvironmentVariable) => WatchStateStore.DefaultPath(getEnvironmentVariable);

    /// <summary>Why the saved state was ignored (unreadable file), else null.</summary>
    public string? StateProblem => _state.LoadProblem;

    /// <summary>One pass over every target; registry trouble becomes events, never an exception.</summary>
    public async Task<WatchCycleResult> RunCycleAsync(IReadOnlyList<WatchTarget> targets, CancellationToken cancellationToken)
    {
        var events = new List<WatchEvent>();
        int requests = 0, unreachable = 0;
        foreach (var target in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (asked, down) = await ProcessAsync(target, events, cancellationToken).ConfigureAwait(false);
            requests += asked ? 1 : 0;
            unreachable += down ? 1 : 0;
        }

        return new WatchCycleResult(events) { RegistryDown = requests > 0 && unreachable == requests };
    }

    /// <summary>
    /// Polls until cancelled. Targets are re-read every cycle (the lock may have moved). After a cycle in which the
    /// registry could not be reached at all, the wait doubles, up to <see cref="WatchOptions.MaxBackoffFactor"/>.
    /// </summary>
    public async Task RunAsync(Func<IReadOnlyList<WatchTarget>> targets, CancellationToken cancellationToken)
    {
        var failedCycles = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            WatchCycleResult result;
            try
            {
                result = await RunCycleAsync(targets(), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Interrupted mid-cycle: what was reported is already recorded; unreported versions stay pending.
                return;
            }

            failedCycles = result.RegistryDown ? Math.Min(failedCycles + 1, 30) : 0;
            var factor = Math.Min(Math.Pow(2, failedCycles), _options.MaxBackoffFactor);
            try
            {
                await Task.Delay(_options.Interval * factor, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<(bool Asked, bool Unreachable)> ProcessAsync(WatchTarget target, List<WatchEvent> events, CancellationToken cancellationToken)
    {
        if (target.Baseline is not { } baseline)
        {
            if (_noBaselineReported.Add(target.Package))
            {
                await EmitAsync(events, Event(target, WatchEvent.NoBaselineType, null, null,
                    [Reason(WatchRules.NoBaseline, $"{target.Package} is configured ({string.Join(", ", target.Servers)}) but not locked, not pinned and not installed, so there is no approved version to compare new versions with.")],
                    $"{target.Package}: no baseline (not locked, pinned or installed); new versions cannot be diffed. Lock it to have updates reviewed."), cancellationToken).ConfigureAwait(false);
            }

            return (false, false);
        }

        var key = $"{_options.RegistryDisplay} {target.Package}@{baseline}";
        var state = _state.Get(_options.RegistryDisplay, target.Package, baseline);
        var fetched = await _fetcher.FetchAsync(target.Package, state.ETag, cancellationToken).ConfigureAwait(false);
        JsonObject packument;
        switch (fetched)
        {
            case PackumentResult.NotModified:
                _lastProblem.Remove(key);
                return (true, false);
            case PackumentResult.Missing:
                state.ETag = null;
                await ProblemAsync(key, events, target, null, "review", WatchRules.PackageMissing,
                    $"{target.Package} is no longer on {_options.RegistryDisplay} (404): it was unpublished or taken down; servers running it: {string.Join(", ", target.Servers)}.", cancellationToken).ConfigureAwait(false);
                return (true, false);
            case PackumentResult.Failed failed:
                await ProblemAsync(key, events, target, null, null, failed.Rule, failed.Message + "; will try again next cycle.", cancellationToken).ConfigureAwait(false);
                return (true, failed.Rule == WatchRules.RegistryUnreachable);
            default:
                packument = ((PackumentResult.Fresh)fetched).Packument;
                break;
        }

        _lastProblem.Remove(key);
        var versions = (JsonObject)packument["versions"]!;
        if (versions[baseline] is not JsonObject baselineManifest)
        {
            await ProblemAsync(key, events, target, null, "review", WatchRules.BaselineMissing,
                $"{target.Package}@{baseline} (your {WatchEvent.SourceName(target.BaselineSource)} baseline) is no longer listed on {_options.RegistryDisplay}; new versions cannot be diffed against it.", cancellationToken).ConfigureAwait(false);
            return (true, false);
        }

        var times = WatchSignals.PublishTimes(packument);
        var pending = versions.Select(v => v.Key)
            .Where(v => v != baseline && !state.Reviewed.ContainsKey(v) && IsNewer(v, baseline, times))
            .ToList();
        var batch = pending.OrderByDescending(v => times.TryGetValue(v, out var t) ? t : DateTimeOffset.MinValue).ThenByDescending(v => v, StringComparer.Ordinal)
            .Take(_options.MaxVersionsPerCycle).Reverse().ToList();
        var complete = batch.Count == pending.Count;
        if (batch.Count == 0)
        {
            state.ETag = ((PackumentResult.Fresh)fetched).ETag;
            _state.Save();
            return (true, false);
        }

        var old = await LoadBaselineAsync(key, target, baseline, baselineManifest, events, cancellationToken).ConfigureAwait(false);
        if (old is null)
        {
            return (true, false);
        }

        foreach (var version in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var review = await ReviewAsync(target, baseline, old, version, packument, times, events, cancellationToken).ConfigureAwait(false);
            if (review is null)
            {
                complete = false;
                continue;
            }

            await EmitAsync(events, review, cancellationToken).ConfigureAwait(false);
            state.Reviewed[version] = review.Verdict ?? "error";
            _state.Save();
        }

        // The ETag is kept only once every pending version was reported, so a 304 never hides an unreviewed one.
        if (complete)
        {
            state.ETag = ((PackumentResult.Fresh)fetched).ETag;
            _state.Save();
        }

        return (true, false);
    }

    /// <summary>Reviews one version; null when it could not be fetched this time (it stays pending, retried next cycle).</summary>
    private async Task<WatchEvent?> ReviewAsync(
        WatchTarget target,
        string baseline,
        LoadedPackage old,
        string version,
        JsonObject packument,
        Dictionary<string, DateTimeOffset> times,
        List<WatchEvent> events,
        CancellationToken cancellationToken)
    {
        var published = times.TryGetValue(version, out var t) ? t : (DateTimeOffset?)null;
        var signals = WatchSignals.Evaluate(packument, baseline, version, _time.GetUtcNow(), _options);
        var manifest = (JsonObject)packument["versions"]![version]!;
        try
        {
            var newBytes = await DownloadAsync(target.Package, version, manifest, null, cancellationToken).ConfigureAwait(false);
            var newPackage = _loader.FromTarballBytes(newBytes, $"{target.Package}@{version}");
            var diff = _differ.Diff(old, newPackage, cancellationToken);
            var verdict = WatchSignals.Raise(diff.Verdict.Decision, signals);
            var reasons = signals.Concat(diff.Items.Take(10).Select(i => new WatchReason(i.Finding.RuleId, i.Finding.Severity, Located(i.Finding)))).ToList();
            var top = reasons.OrderByDescending(r => r.Severity).FirstOrDefault();
            var summary = verdict == "ok"
                ? $"ok {target.Package} {version} (vs {baseline}): {(reasons.Count == 0 ? "no behaviour change found" : top!.Message)}"
                : $"{verdict.ToUpperInvariant()} {target.Package} {version} (vs {WatchEvent.SourceName(target.BaselineSource)} {baseline}): {top?.Message ?? diff.Verdict.Reasons.FirstOrDefault()}"
                  + (reasons.Count > 1 ? $" (+{reasons.Count - 1} more)" : "")
                  + $" Read it with 'mcpguard diff {target.Package}@{baseline} {target.Package}@{version}'; watch approves nothing.";
            return Event(target, WatchEvent.VersionType, version, verdict, reasons, summary) with { Score = diff.Verdict.Score, PublishedAt = published };
        }
        catch (PackageLoadException ex) when (ex.IntegrityFailure)
        {
            return Event(target, WatchEvent.ErrorType, version, "block", [Reason(WatchRules.IntegrityMismatch, ex.Message), .. signals],
                $"BLOCK {target.Package} {version}: its tarball does not match its published integrity; it was not used. {ex.Message}") with { PublishedAt = published };
        }
        catch (PackageLoadException ex) when (ex.InnerException is null && ex.Message.Contains("could not be downloaded", StringComparison.Ordinal))
        {
            var key = $"{_options.RegistryDisplay} {target.Package}@{version} tarball";
            await ProblemAsync(key, events, target, version, null, WatchRules.RegistryUnreachable, ex.Message + "; will try again next cycle.", cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (PackageLoadException ex)
        {
            return Event(target, WatchEvent.ErrorType, version, null, [Reason(WatchRules.RegistryMalformed, ex.Message), .. signals],
                $"{target.Package} {version} could not be reviewed: {ex.Message}") with { PublishedAt = published };
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var key = $"{_options.RegistryDisplay} {target.Package}@{version} tarball";
            await ProblemAsync(key, events, target, version, null, WatchRules.RegistryUnreachable,
                $"the tarball of {target.Package}@{version} could not be downloaded from {_options.RegistryDisplay}; will try again next cycle.", cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Downloads and reads the baseline once per package and cycle; null (after reporting why) when it cannot be used,
    /// and then no version of the package is reviewed or marked this cycle.
    /// </summary>
    private async Task<LoadedPackage?> LoadBaselineAsync(string key, WatchTarget target, string baseline, JsonObject manifest, List<WatchEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            // The approved version is checked against the integrity in the lock when there is one, not against what the
            // registry says today: a mirror that swapped the approved tarball must not become the new baseline.
            var bytes = await DownloadAsync(target.Package, baseline, manifest, target.BaselineIntegrity, cancellationToken).ConfigureAwait(false);
            return _loader.FromTarballBytes(bytes, $"{target.Package}@{baseline}");
        }
        catch (PackageLoadException ex) when (ex.IntegrityFailure)
        {
            await ProblemAsync(key, events, target, null, "block", WatchRules.IntegrityMismatch,
                $"the approved {target.Package}@{baseline} on {_options.RegistryDisplay} no longer matches {(target.BaselineIntegrity is null ? "its published integrity" : "the integrity in your lock")}; new versions are not reviewed against it. {ex.Message}", cancellationToken).ConfigureAwait(false);
        }
        catch (PackageLoadException ex) when (ex.InnerException is null && ex.Message.Contains("could not be downloaded", StringComparison.Ordinal))
        {
            await ProblemAsync(key, events, target, null, null, WatchRules.RegistryUnreachable, ex.Message + "; will try again next cycle.", cancellationToken).ConfigureAwait(false);
        }
        catch (PackageLoadException ex)
        {
            await ProblemAsync(key, events, target, null, null, WatchRules.RegistryMalformed, $"the approved {target.Package}@{baseline} cannot be read: {ex.Message}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await ProblemAsync(key, events, target, null, null, WatchRules.RegistryUnreachable,
                $"the tarball of {target.Package}@{baseline} could not be downloaded from {_options.RegistryDisplay}; will try again next cycle.", cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private Task<byte[]> DownloadAsync(string name, string version, JsonObject manifest, string? expectedIntegrity, CancellationToken cancellationToken)
    {
        var dist = (JsonObject)manifest["dist"]!;
        var tarball = new Uri(_registry.Registry, dist["tarball"]!.GetValue<string>());
        var integrity = expectedIntegrity ?? ((dist["integrity"] as JsonValue)?.TryGetValue<string>(out var i) == true ? i : null);
        return _registry.DownloadAsync(new RegistryVersion(name, version, tarball, integrity, manifest), cancellationToken);
    }

    // Published after the baseline by the registry's clock; without a time map (or at the same instant), by semantic version.
    private static bool IsNewer(string version, string baseline, Dictionary<string, DateTimeOffset> times)
    {
        if (times.TryGetValue(version, out var v) && times.TryGetValue(baseline, out var b) && v != b)
        {
            return v > b;
        }

        return NuGetVersion.TryParse(version, out var nv) && NuGetVersion.TryParse(baseline, out var nb) && nv > nb;
    }

    // Registry problems are reported once per package until they change or clear, so a long outage is one event per
    // package, not one every cycle; a single --once run always reports them.
    private async Task ProblemAsync(string key, List<WatchEvent> events, WatchTarget target, string? version, string? verdict, RuleDescriptor rule, string message, CancellationToken cancellationToken)
    {
        var signature = rule.Id + message;
        if (_lastProblem.TryGetValue(key, out var last) && last == signature)
        {
            return;
        }

        _lastProblem[key] = signature;
        var evt = Event(target, WatchEvent.ErrorType, version, verdict, [Reason(rule, message)], $"{(verdict is null ? "error" : verdict.ToUpperInvariant())} {target.Package}: {message}");
        await EmitAsync(events, evt, cancellationToken).ConfigureAwait(false);
    }

    private async Task EmitAsync(List<WatchEvent> events, WatchEvent watchEvent, CancellationToken cancellationToken)
    {
        events.Add(watchEvent);
        foreach (var sink in _sinks)
        {
            await sink.PublishAsync(watchEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    private WatchEvent Event(WatchTarget target, string type, string? version, string? verdict, IReadOnlyList<WatchReason> reasons, string summary) => new()
    {
        Type = type,
        Time = _time.GetUtcNow(),
        Registry = _options.RegistryDisplay,
        Package = target.Package,
        Version = version,
        Baseline = target.Baseline,
        BaselineSource = target.BaselineSource,
        Servers = target.Servers,
        Verdict = verdict,
        Reasons = [.. reasons.Select(r => r with { Message = _redactor.Redact(r.Message) })],
        Summary = _redactor.Redact(summary),
    };

    private static string Located(Finding f) =>
        f.Location is { File: { } file } l ? $"{f.Message} ({file}{(l.Line is int n ? ":" + n : "")})" : f.Message;

    private static WatchReason Reason(RuleDescriptor rule, string message) => new(rule.Id, rule.DefaultSeverity, message);
}
