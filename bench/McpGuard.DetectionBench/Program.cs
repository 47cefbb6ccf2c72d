using System.Diagnostics;
using McpGuard.Core.Findings;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Packages;

// Reads the corpus as data only: malicious samples are decrypted into memory (SharpZipLib), never written or run.
var corpus = args.Length > 0 ? args[0] : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/corpus"));
if (!Directory.Exists(corpus))
{
    Console.Error.WriteLine($"corpus not found: {corpus} (pass it as the first argument)");
    return 2;
}

var loader = new PackageLoader(null);
if (args.Contains("--speed"))
{
    return McpGuard.DetectionBench.Speed.Run(corpus, loader);
}

if (Array.IndexOf(args, "--memory") is var m and >= 0)
{
    return McpGuard.DetectionBench.Memory.Run(corpus, loader, int.Parse(args[m + 1], System.Globalization.CultureInfo.InvariantCulture), args.Contains("--materialise"));
}

var analyzer = new PackageAnalyzer();
var differ = new PackageDiffer(analyzer);
static string Worst(IEnumerable<Finding> findings) => findings.Any() ? findings.Max(f => f.Severity).ToName() : "none";
static string Top(IEnumerable<Finding> findings) => string.Join(", ", findings.Where(f => f.Severity >= Severity.High).Select(f => f.RuleId).Distinct().Order());

Console.WriteLine("### malicious-npm (recall)\n");
Console.WriteLine("| sample | label | worst | high/critical rules | ok? |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
int malicious = 0, caught = 0, placeholders = 0, placeholderOk = 0;
var sw = Stopwatch.StartNew();
foreach (var line in File.ReadLines(Path.Combine(corpus, "malicious-npm", "manifest.tsv")).Skip(1))
{
    var cols = line.Split('\t');
    var analysis = analyzer.Analyze(loader.FromCorpusZip(Path.Combine(corpus, "malicious-npm", cols[2])));
    var high = analysis.Findings.Any(f => f.Severity >= Severity.High);
    var isMalicious = cols[6] == "malicious";
    bool ok;
    if (isMalicious)
    {
        malicious++;
        ok = high;
        caught += high ? 1 : 0;
    }
    else
    {
        placeholders++;
        ok = !high;
        placeholderOk += ok ? 1 : 0;
    }

    Console.WriteLine($"| {cols[0]}@{cols[1]} | {(isMalicious ? "malicious" : "placeholder")} | {Worst(analysis.Findings)} | {Top(analysis.Findings)} | {(ok ? "yes" : "**no**")} |");
}

Console.WriteLine($"\nRecall: {caught}/{malicious} malicious samples high or critical; placeholders benign: {placeholderOk}/{placeholders}. ({sw.ElapsedMilliseconds} ms)\n");

Console.WriteLine("### benign-mcp (false positives)\n");
Console.WriteLine("| package | worst | high/critical rules |");
Console.WriteLine("| --- | --- | --- |");
int benign = 0, benignHigh = 0, benignCritical = 0, withSkipped = 0, jsAnalysed = 0, filesRead = 0;
var skippedTotals = new SortedDictionary<string, int>(StringComparer.Ordinal);
long bytes = 0;
sw.Restart();
foreach (var line in File.ReadLines(Path.Combine(corpus, "benign-mcp", "manifest.tsv")).Skip(1))
{
    var cols = line.Split('\t');
    var package = loader.FromTarball(Path.Combine(corpus, "benign-mcp", cols[3]));
    var analysis = analyzer.Analyze(package);
    bytes += analysis.BytesRead;
    jsAnalysed += analysis.Coverage.Analysed;
    filesRead += analysis.Coverage.Files;
    withSkipped += analysis.Coverage.Skipped.Count > 0 ? 1 : 0;
    foreach (var (reason, count) in analysis.Coverage.Skipped)
    {
        skippedTotals[reason] = skippedTotals.GetValueOrDefault(reason) + count;
    }

    benign++;
    var worst = analysis.Findings.Count == 0 ? Severity.Info : analysis.Findings.Max(f => f.Severity);
    benignHigh += worst == Severity.High ? 1 : 0;
    benignCritical += worst == Severity.Critical ? 1 : 0;
    if (worst >= Severity.High)
    {
        Console.WriteLine($"| {cols[0]}@{cols[1]} | {worst.ToName()} | {Top(analysis.Findings)} |");
    }
}

Console.WriteLine($"\nBenign: {benign} packages, {benignHigh} with a high (target ≤ {benign / 20}), {benignCritical} with a critical (target 0); the table lists only those. {bytes / 1024 / 1024} MB unpacked in {sw.ElapsedMilliseconds} ms.\n");
Console.WriteLine($"Coverage: {jsAnalysed} JavaScript files analysed of {filesRead} files; {withSkipped} of {benign} packages have files not analysed (MCPG222, low): "
    + string.Join(", ", skippedTotals.Select(s => $"{s.Value} {s.Key}")) + ".\n");

Console.WriteLine("### benign-pairs (diff false positives)\n");
Console.WriteLine("| package | old → new | worst | verdict (score) | items |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
int pairs = 0, pairsHigh = 0;
sw.Restart();
foreach (var line in File.ReadLines(Path.Combine(corpus, "benign-pairs", "pairs.tsv")).Skip(1))
{
    var cols = line.Split('\t');
    var oldP = loader.FromTarball(Path.Combine(corpus, "benign-pairs", cols[3]));
    var newP = loader.FromTarball(Path.Combine(corpus, "benign-pairs", cols[4]));
    var result = differ.Diff(oldP, newP);
    pairs++;
    var high = result.Findings.Any(f => f.Severity >= Severity.High);
    pairsHigh += high ? 1 : 0;
    Console.WriteLine($"| {cols[0]} | {cols[1]} → {cols[2]} | {Worst(result.Findings)} | {result.Verdict.Decision} ({result.Verdict.Score:0.0}) | {result.Items.Count} |");
}

Console.WriteLine($"\nBenign pairs: {pairs}, {pairsHigh} with a high or critical diff finding (target 0). ({sw.ElapsedMilliseconds} ms)");

var detail = Environment.GetEnvironmentVariable("DETECTION_DETAIL");
if (detail is not null)
{
    foreach (var line in File.ReadLines(Path.Combine(corpus, "benign-mcp", "manifest.tsv")).Skip(1))
    {
        var cols = line.Split('\t');
        if (cols[0] != detail) continue;
        foreach (var f in analyzer.Analyze(loader.FromTarball(Path.Combine(corpus, "benign-mcp", cols[3]))).Findings.Where(f => f.Severity >= Severity.High))
        {
            Console.WriteLine($"{f.RuleId} {f.Severity} {f.Location?.File}:{f.Location?.Line} {f.Message}");
        }
    }
}

return 0;
