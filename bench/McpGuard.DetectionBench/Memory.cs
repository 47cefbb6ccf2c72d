using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.DetectionBench;

/// <summary>
/// Peak memory of analysing one package of <c>count</c> copies of a real ~1.2 MB JavaScript file (cclsp 0.7.0's
/// dist/index.js) against the same with one copy. Run each case in its own process (peak working set is per process):
/// <c>--memory 1</c>, <c>--memory 50</c>, <c>--memory 50 --materialise</c> (all files held in memory first, as before
/// streaming), <c>--memory 0</c> (process baseline: builds the tarball, analyses nothing).
/// </summary>
internal static class Memory
{
    public static int Run(string corpus, PackageLoader loader, int count, bool materialise)
    {
        // The tarball is built once on disk (in its own run, so building it is not part of the measured peak) and
        // loaded the way the CLI loads a .tgz path.
        var sourceLength = 1_189_227;
        var path = Path.Combine(Path.GetTempPath(), $"mcpguard-memory-bench-{count}.tgz");
        if (!File.Exists(path))
        {
            var source = loader.FromTarball(Path.Combine(corpus, "benign-mcp", "cclsp-0.7.0.tgz")).Files.Single(f => f.Path == "dist/index.js").Content;
            File.WriteAllBytes(path, Tarball(source, count));
            Console.WriteLine($"wrote {path}; run again to measure");
            return 0;
        }

        var tgzLength = new FileInfo(path).Length;
        Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        long peakAfterGc = 0;
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakAfterGc = Math.Max(peakAfterGc, GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes);
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        sampler.Start();

        var sw = Stopwatch.StartNew();
        var package = loader.FromTarball(path);
        var held = materialise ? package.Files.Count : 0;
        var analysis = count == 0 ? null : new PackageAnalyzer(null, loader.Limits).Analyze(package);
        sw.Stop();
        stop.Cancel();
        sampler.Join();
        var proc = Process.GetCurrentProcess();
        Console.WriteLine($"| {count} × {sourceLength / 1e6:0.00} MB{(materialise ? ", all files held in memory (before)" : "")} | {count * (long)sourceLength / 1e6:0.0} MB | {tgzLength / 1e6:0.0} MB "
            + $"| {analysis?.Coverage.Analysed ?? 0} | {analysis?.Facts.Count ?? 0} | {peakAfterGc / 1e6:0} MB | {proc.PeakWorkingSet64 / 1e6:0} MB | {sw.Elapsed.TotalSeconds:0.0} s |"
            + (held > 0 ? "" : ""));
        GC.KeepAlive(package);
        Console.Error.WriteLine($"heap before analysis {heapBefore / 1e6:0} MB");
        return 0;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static byte[] Tarball(byte[] js, int count)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            var manifest = """{ "name": "memory-bench", "version": "1.0.0" }"""u8.ToArray();
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream(manifest) });
            for (var i = 0; i < count; i++)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"package/dist/part{i}.js") { DataStream = new MemoryStream(js, writable: false) });
            }
        }

        return buffer.ToArray();
    }
}
