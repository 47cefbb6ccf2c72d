using System.Diagnostics;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.DetectionBench;

/// <summary>Quick single-thread throughput check over the benign corpus: parse-only baseline vs full analysis.</summary>
internal static class Speed
{
    public static int Run(string corpus, PackageLoader loader)
    {
        var files = new List<PackageFile>();
        var modules = new HashSet<PackageFile>(ReferenceEqualityComparer.Instance);
        foreach (var tgz in Directory.EnumerateFiles(Path.Combine(corpus, "benign-mcp"), "*.tgz"))
        {
            var package = loader.FromTarball(tgz);
            var isModule = package.Manifest?["type"]?.ToString() == "module";
            var js = package.Files.Where(f => f.Path.EndsWith(".js", StringComparison.Ordinal) || f.Path.EndsWith(".mjs", StringComparison.Ordinal) || f.Path.EndsWith(".cjs", StringComparison.Ordinal)).ToList();
            files.AddRange(js);
            if (isModule)
            {
                modules.UnionWith(js);
            }
        }

        var bytes = files.Sum(f => (long)f.Content.Length);
        var analyzer = new PackageAnalyzer();
        var own = new HashSet<string>();
        for (var round = 0; round < 2; round++)
        {
            var proc = Process.GetCurrentProcess();
            var cpu0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            foreach (var f in files)
            {
                try
                {
                    PackageAnalyzer.Parse(System.Text.Encoding.UTF8.GetString(f.Content), f.Path, null, PackageAnalyzer.PrefersModule(f.Path, modules.Contains(f)));
                }
                catch (Acornima.ParseErrorException)
                {
                }
            }

            var parse = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            var cpuParse = (proc.TotalProcessorTime - cpu0).TotalSeconds;
            cpu0 = proc.TotalProcessorTime;
            sw.Restart();
            foreach (var f in files)
            {
                analyzer.AnalyzeFile(f, own, modules.Contains(f));
            }

            var full = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            var cpuFull = (proc.TotalProcessorTime - cpu0).TotalSeconds;
            Console.WriteLine($"round {round}: {files.Count} JS files, {bytes / 1e6:0.0} MB; parse-only {bytes / 1e6 / parse:0.0} MB/s wall, {bytes / 1e6 / cpuParse:0.0} MB per CPU-second; "
                + $"full analysis {bytes / 1e6 / full:0.0} MB/s wall, {bytes / 1e6 / cpuFull:0.0} MB per CPU-second; peak working set {proc.PeakWorkingSet64 / 1e6:0} MB");
        }

        return 0;
    }
}
