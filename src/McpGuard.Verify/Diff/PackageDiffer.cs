using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Diff;

/// <summary>
/// Compares the behaviour fingerprints of two versions and reports what NEW adds or changes, matched by meaning
/// (kind, tool handler, normalised value), never by line number; each item points at the file and line in NEW.
/// </summary>
public sealed class PackageDiffer(PackageAnalyzer analyzer, PackageLoader? loader = null)
{
    // Rules whose NEW findings are already covered by a fingerprint delta (so they are not counted twice).
    private static readonly HashSet<string> s_coveredByFacts =
    [
        AnalysisRules.MailRecipientLiteral.Id, AnalysisRules.SuspiciousEgress.Id, AnalysisRules.InstallScript.Id,
        AnalysisRules.SensitiveFileRead.Id, AnalysisRules.EnvironmentSerialised.Id, AnalysisRules.UrlDependency.Id,
        AnalysisRules.BundledBinary.Id,
    ];

    private static readonly HashSet<string> s_riskyModules =
    [
        "child_process", "node:child_process", "net", "node:net", "dgram", "node:dgram", "dns", "node:dns", "vm", "node:vm",
        "http", "https", "node:http", "node:https", "worker_threads", "os", "node:os",
    ];

    /// <summary>
    /// The entry point for update reviews (watch): fetches both versions from the registry (integrity-checked,
    /// cached), analyses and diffs them. Throws <see cref="PackageLoadException"/> when either cannot be obtained.
    /// </summary>
    public static async Task<DiffResult> DiffRegistryVersionsAsync(
        PackageLoader loader,
        string name,
        string oldVersion,
        string newVersion,
        DiffOptions options,
        McpGuard.Core.Tools.IToolDescriptionScanner? toolScanner,
        CancellationToken cancellationToken)
    {
        var oldPackage = await loader.FromRegistryAsync(new PackageSpec(name, oldVersion), cancellationToken).ConfigureAwait(false);
        var newPackage = await loader.FromRegistryAsync(new PackageSpec(name, newVersion), cancellationToken).ConfigureAwait(false);
        var differ = new PackageDiffer(new PackageAnalyzer(toolScanner, loader.Limits), loader);
        return await differ.DiffAsync(oldPackage, newPackage, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads nothing: analyses both packages and diffs them (add --deep dependencies via <see cref="DiffAsync"/>).</summary>
    public DiffResult Diff(LoadedPackage oldPackage, LoadedPackage newPackage, CancellationToken cancellationToken = default) =>
        Diff(analyzer.Analyze(oldPackage, cancellationToken), analyzer.Analyze(newPackage, cancellationToken));

    /// <summary>Diffs two versions; with <see cref="DiffOptions.Deep"/> also analyses added or changed dependencies from the registry.</summary>
    public async Task<DiffResult> DiffAsync(LoadedPackage oldPackage, LoadedPackage newPackage, DiffOptions options, CancellationToken cancellationToken)
    {
        var oldA = analyzer.Analyze(oldPackage, cancellationToken);
        var newA = analyzer.Analyze(newPackage, cancellationToken);
        var result = Diff(oldA, newA);
        if (!options.Deep)
        {
            return result;
        }

        var items = result.Items.ToList();
        foreach (var (name, range) in ChangedDependencies(oldA, newA).Take(options.MaxDeepDependencies))
        {
            cancellationToken.ThrowIfCancellationRequested();
            items.AddRange(await DeepAsync(name, range, newA, cancellationToken).ConfigureAwait(false));
        }

        return result with { Items = Order(items), Verdict = DiffScorer.Decide(items) };
    }

    public DiffResult Diff(PackageAnalysis oldA, PackageAnalysis newA)
    {
        var oldKeys = oldA.Facts.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var oldValues = oldA.Facts.Select(f => $"{f.Kind}|{f.Value}").ToHashSet(StringComparer.Ordinal);
        var oldDeps = Dependencies(oldA);
        var oldHooks = oldA.Facts.Where(f => f.Kind == FactKind.InstallHook).ToDictionary(f => f.Value.Split('=')[0], f => f.Value, StringComparer.Ordinal);
        var oldTools = ToolFacts(oldA);
        var oldHadSpawn = oldA.Facts.Any(f => f.Kind == FactKind.Spawn);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var raw = new List<(Finding Finding, double Base, string? Handler, bool Weak)>();

        foreach (var fact in newA.Facts)
        {
            if (!seen.Add(fact.Key))
            {
                continue;
            }

            var item = Classify(fact, oldKeys, oldValues, oldDeps, oldHooks, oldTools, oldHadSpawn, newA);
            if (item is { } i)
            {
                raw.Add((i.Finding, i.Base, fact.Handler, i.Weak));
            }
        }

        // Tools removed in NEW.
        foreach (var name in oldTools.Keys.Except(ToolFacts(newA).Keys))
        {
            raw.Add((Create(DiffRules.ToolChanged, $"Tool '{name}' was removed.", "package.json", null, null, Severity.Info, new JsonObject { ["tool"] = name }), 1, null, true));
        }

        // New analysis findings not covered by a fingerprint delta (hidden processes, decoded eval, obfuscation...).
        var oldFindingKeys = oldA.Findings.Select(FindingKey).ToHashSet(StringComparer.Ordinal);
        foreach (var f in newA.Findings)
        {
            if (s_coveredByFacts.Contains(f.RuleId) || f.RuleId == AnalysisRules.FilesNotAnalysed.Id || oldFindingKeys.Contains(FindingKey(f)) || f.Severity < Severity.Low)
            {
                continue;
            }

            var baseScore = f.Severity switch { Severity.Critical => 9, Severity.High => 7, Severity.Medium => 4, _ => 2 };
            raw.Add((Create(DiffRules.NewFinding, $"New in this version: {f.Message}", f.Location?.File ?? "package.json", f.Location?.Line, f.Location?.Snippet, f.Severity,
                new JsonObject { ["rule"] = f.RuleId, ["handler"] = f.Evidence?["handler"]?.DeepClone() }), baseScore, f.Evidence?["handler"]?.GetValue<string>(), baseScore < 5));
        }

        var surgical = raw.Count(r => !r.Weak) <= 5;
        var items = raw.Select(r => new DiffItem(r.Finding, r.Base, r.Handler is not null, r.Weak)
        {
            Score = Math.Min(10, r.Base * DiffScorer.Multiplier(oldA.Package.Version, newA.Package.Version, r.Handler is not null, surgical, r.Base, r.Finding.Location?.File ?? "")),
        }).ToList();
        return new DiffResult(oldA.Package.DisplayName, newA.Package.DisplayName, Order(items), DiffScorer.Decide(items))
        {
            Coverage = [oldA.Coverage, newA.Coverage],

            // What NEW could not be analysed is outside the diff: said plainly, never scored as a change.
            CoverageFindings = [.. newA.Findings.Where(f => f.RuleId == AnalysisRules.FilesNotAnalysed.Id)
                .Select(f => f with { Message = f.Message + " Changes in those files are not part of this diff." })],
        };
    }

    private static IReadOnlyList<DiffItem> Order(IEnumerable<DiffItem> items) =>
        items.OrderByDescending(i => i.Finding.Severity).ThenByDescending(i => i.Score).ThenBy(i => i.Finding.Location?.File, StringComparer.Ordinal).ThenBy(i => i.Finding.Location?.Line).ToList();

    private (Finding Finding, double Base, bool Weak)? Classify(
        BehaviourFact fact,
        HashSet<string> oldKeys,
        HashSet<string> oldValues,
        Dictionary<string, string> oldDeps,
        Dictionary<string, string> oldHooks,
        Dictionary<string, (string Description, string Schema)> oldTools,
        bool oldHadSpawn,
        PackageAnalysis newA)
    {
        var where = fact.Handler is null ? "" : $" in tool '{fact.Handler}'";
        var evidence = new JsonObject { ["kind"] = fact.Kind.ToString(), ["value"] = fact.Value, ["handler"] = fact.Handler };
        Finding Make(RuleDescriptor rule, string message, Severity? severity = null) =>
            Create(rule, message, fact.File, fact.Kind is FactKind.Dependency or FactKind.InstallHook or FactKind.EntryPoint ? null : fact.Line, fact.Snippet, severity, evidence);

        switch (fact.Kind)
        {
            case FactKind.MailRecipient when !oldKeys.Contains(fact.Key):
                {
                    var (field, address) = Split(fact.Value, '=');
                    return (Make(DiffRules.NewMailRecipient, $"{newA.Package.DisplayName} adds {FieldName(field)} → {address}{where}: every email it sends is now also sent to this fixed address."), 9, false);
                }

            case FactKind.Egress when !oldValues.Contains($"{fact.Kind}|{fact.Value}"):
                {
                    var threat = fact.Value.Contains('@', StringComparison.Ordinal)
                        ? EgressClassifier.ClassifyHost(fact.Value[(fact.Value.IndexOf('@', StringComparison.Ordinal) + 1)..], "")
                        : EgressClassifier.ClassifyHost(fact.Value, "");
                    if (threat is not null)
                    {
                        return (Make(DiffRules.NewEgress, $"New address {fact.Value}{where}, which points to {threat}.", Severity.High), 8, false);
                    }

                    return (Make(DiffRules.NewEgress, $"New address {fact.Value}{where}.", Severity.Low), 2, true);
                }

            case FactKind.InstallHook:
                {
                    var (hook, _) = Split(fact.Value, '=');
                    if (!oldHooks.TryGetValue(hook, out var before))
                    {
                        return (Make(DiffRules.NewInstallHook, $"New {hook} script: '{Short(fact.Value[(hook.Length + 1)..])}' runs on every install."), 8, false);
                    }

                    return before == fact.Value ? null : (Make(DiffRules.NewInstallHook, $"The {hook} script changed to '{Short(fact.Value[(hook.Length + 1)..])}'."), 7, false);
                }

            case FactKind.Dependency:
                {
                    var (name, range) = SplitDependency(fact.Value);
                    var url = range.Contains(':', StringComparison.Ordinal) || (range.Contains('/', StringComparison.Ordinal) && !range.StartsWith('@'));
                    if (!oldDeps.TryGetValue(name, out var oldRange))
                    {
                        return (Make(DiffRules.NewDependency, $"New dependency {name} ({range}){(url ? ", fetched from a URL or git" : "")}.", url ? Severity.Medium : null), url ? 6 : 2, !url);
                    }

                    return oldRange == range ? null : (Make(DiffRules.NewDependency, $"Dependency {name} changed from {oldRange} to {range}.", Severity.Info), url ? 6 : 1, !url);
                }

            case FactKind.Tool when !oldTools.ContainsKey(fact.Value):
                return (Make(DiffRules.ToolChanged, $"New tool '{fact.Value}'."), 2, true);
            case FactKind.ToolDescription or FactKind.ToolSchema:
                {
                    var (name, hash) = Split(fact.Value, ':');
                    if (!oldTools.TryGetValue(name, out var old))
                    {
                        return null;
                    }

                    var changed = fact.Kind == FactKind.ToolDescription ? old.Description != hash : old.Schema != hash;
                    var what = fact.Kind == FactKind.ToolDescription ? "description" : "input schema";
                    return changed ? (Make(DiffRules.ToolChanged, $"The {what} of tool '{name}' changed; the assistant will read different instructions."), 3, true) : null;
                }

            case FactKind.EnvRead when !oldKeys.Contains(fact.Key) && (fact.Value == "*" || CredentialName(fact.Value)):
                return fact.Value == "*"
                    ? (Make(DiffRules.NewCapability, $"New read of the whole environment (process.env){where}.", Severity.High), 8, false)
                    : (Make(DiffRules.NewCapability, $"New read of credential variable {fact.Value}{where}."), 4, true);
            case FactKind.FilePath when !oldValues.Contains($"{fact.Kind}|{fact.Value}"):
                return (Make(DiffRules.NewCapability, $"New reference to credential file '{fact.Value}'{where}.", Severity.High), 8, false);
            case FactKind.Spawn when !oldValues.Contains($"{fact.Kind}|{fact.Value}"):
                return oldHadSpawn
                    ? (Make(DiffRules.NewCapability, $"New process command '{Short(fact.Value)}'{where}."), 4, true)
                    : (Make(DiffRules.NewCapability, $"First process start in this package ('{Short(fact.Value)}'){where}."), 5, false);
            case FactKind.Eval when !oldKeys.Contains(fact.Key):
                return (Make(DiffRules.NewCapability, $"New dynamic code execution ({fact.Value}){where}."), 4, true);
            case FactKind.NetworkSink when !oldKeys.Contains(fact.Key) && fact.Handler is not null:
                return (Make(DiffRules.NewCapability, $"New network or mail call {fact.Value}{where}."), 4, true);
            case FactKind.PayloadKey when !oldKeys.Contains(fact.Key) && oldKeys.Contains($"{FactKind.NetworkSink}|{fact.Handler}|{fact.Value.Split(':')[0]}"):
                {
                    // A known call site whose payload gained a key: the "changed sink" of the research note.
                    var (sink, key) = Split(fact.Value, ':');
                    return (Make(DiffRules.NewCapability, $"The payload of {sink}{where} gained the key '{key}'."), 4, true);
                }

            case FactKind.Module when !oldValues.Contains($"{fact.Kind}|{fact.Value}") && s_riskyModules.Contains(fact.Value):
                return (Make(DiffRules.NewCapability, $"New use of module '{fact.Value}'."), 3, true);
            case FactKind.Binary when !oldValues.Contains($"{fact.Kind}|{fact.Value}"):
                return (Make(DiffRules.NewCapability, $"New or changed bundled executable {fact.Value.Split(':')[0]}.", Severity.Medium), 6, false);
            case FactKind.EntryPoint when !oldValues.Contains($"{fact.Kind}|{fact.Value}"):
                return (Make(DiffRules.NewCapability, $"Entry point changed: {fact.Value}.", Severity.Low), 2, true);
            default:
                return null;
        }
    }

    private async Task<IReadOnlyList<DiffItem>> DeepAsync(string name, string range, PackageAnalysis newA, CancellationToken cancellationToken)
    {
        if (loader?.Registry is not { } registry)
        {
            return [];
        }

        try
        {
            var packument = await registry.GetPackumentAsync(name, cancellationToken).ConfigureAwait(false);
            var version = NpmRange.Resolve(range, packument);
            var dep = await loader.FromRegistryAsync(new PackageSpec(name, version), cancellationToken).ConfigureAwait(false);
            var analysis = analyzer.Analyze(dep, cancellationToken);
            return analysis.Findings.Where(f => f.Severity >= Severity.High).Select(f =>
            {
                var score = f.Severity == Severity.Critical ? 9.0 : 7.0;
                return new DiffItem(Create(DiffRules.NewFinding,
                    $"Dependency {dep.DisplayName} (new or changed in {newA.Package.DisplayName}): {f.Message}",
                    $"node_modules/{name}/{f.Location?.File}", f.Location?.Line, f.Location?.Snippet, f.Severity,
                    new JsonObject { ["rule"] = f.RuleId, ["dependency"] = dep.DisplayName }), score, false, false) { Score = score };
            }).ToList();
        }
        catch (PackageLoadException ex)
        {
            // Fail visible: a dependency that cannot be fetched is itself reported, never silently skipped.
            var f = Create(DiffRules.NewFinding, $"Dependency {name}@{range} could not be analysed: {ex.Message}.", "package.json", null, null,
                ex.IntegrityFailure ? Severity.High : Severity.Low, new JsonObject { ["dependency"] = name });
            var score = ex.IntegrityFailure ? 7.0 : 1.0;
            return [new DiffItem(f, score, false, !ex.IntegrityFailure) { Score = score }];
        }
    }

    private static IEnumerable<(string Name, string Range)> ChangedDependencies(PackageAnalysis oldA, PackageAnalysis newA)
    {
        var oldDeps = Dependencies(oldA);
        foreach (var (name, range) in Dependencies(newA))
        {
            if (!oldDeps.TryGetValue(name, out var old) || old != range)
            {
                yield return (name, range);
            }
        }
    }

    private static Dictionary<string, string> Dependencies(PackageAnalysis a)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in a.Facts.Where(f => f.Kind == FactKind.Dependency))
        {
            var (name, range) = SplitDependency(f.Value);
            d.TryAdd(name, range);
        }

        return d;
    }

    private static Dictionary<string, (string Description, string Schema)> ToolFacts(PackageAnalysis a)
    {
        var d = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var t in a.Facts.Where(f => f.Kind == FactKind.Tool))
        {
            string Hash(FactKind kind) => a.Facts.FirstOrDefault(f => f.Kind == kind && f.Value.StartsWith(t.Value + ":", StringComparison.Ordinal))?.Value[(t.Value.Length + 1)..] ?? "";
            d.TryAdd(t.Value, (Hash(FactKind.ToolDescription), Hash(FactKind.ToolSchema)));
        }

        return d;
    }

    private static (string Name, string Range) SplitDependency(string value)
    {
        var at = value.IndexOf('@', 1);
        return at < 0 ? (value, "") : (value[..at], value[(at + 1)..]);
    }

    private static (string, string) Split(string value, char separator)
    {
        var i = value.IndexOf(separator, StringComparison.Ordinal);
        return i < 0 ? (value, "") : (value[..i], value[(i + 1)..]);
    }

    private static string FieldName(string field) => field switch
    {
        "bcc" => "Bcc",
        "cc" => "Cc",
        "to" => "To",
        _ => field,
    };

    private static bool CredentialName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "(?i)(token|secret|key|pass|pwd|auth|cred|session|cookie)");

    private static string FindingKey(Finding f) => $"{f.RuleId}|{f.Location?.File}|{f.Message}";

    private static string Short(string s) => s.Length > 100 ? s[..100] + "…" : s;

    private static Finding Create(RuleDescriptor rule, string message, string file, int? line, string? snippet, Severity? severity, JsonObject evidence) =>
        FindingFactory.Create(rule, message, location: new SourceLocation { File = file, Line = line, Snippet = snippet }, evidence: evidence, severity: severity);
}
