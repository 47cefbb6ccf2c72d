using BenchmarkDotNet.Attributes;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Benchmarks.Sandbox;

/// <summary>
/// The start-up probe `mcpguard run` does before each sandboxed server: the full probe (bwrap --version and a smoke
/// sandbox) vs the cached result for this boot (a hash of the recipe and one small file read).
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*SandboxProbe*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SandboxProbeBenchmarks
{
    private readonly string _assets = Path.Combine(Path.GetTempPath(), "mcpguard-bench-probe-" + Guid.NewGuid().ToString("N"));
    private BubblewrapOptions _options = null!;

    [GlobalSetup]
    public void Setup() => _options = new BubblewrapOptions { AssetDirectory = _assets };

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_assets, recursive: true);

    [Benchmark(Baseline = true, Description = "probe, uncached (bwrap --version + smoke sandbox)")]
    public async Task<bool> Uncached()
    {
        if (Directory.Exists(_assets))
        {
            foreach (var entry in Directory.GetFiles(_assets, "probe-ok-*"))
            {
                File.Delete(entry);
            }
        }

        return (await SandboxProbe.RunAsync(_options)).IsAvailable;
    }

    [Benchmark(Description = "probe, cached for this boot")]
    public async Task<bool> Cached() => (await SandboxProbe.RunAsync(_options)).IsAvailable;
}
