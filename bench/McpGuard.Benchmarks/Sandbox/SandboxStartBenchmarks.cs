using System.Diagnostics;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Benchmarks.Sandbox;

/// <summary>
/// Sandbox start overhead: a trivial node program started and run to exit, unconfined (baseline) vs inside bubblewrap
/// without egress, and with egress (socat relay started and waited for, Node proxy preload loaded).
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*SandboxStart*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class SandboxStartBenchmarks
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "mcpguard-bench-sandbox-" + Guid.NewGuid().ToString("N"));
    private BubblewrapServerLauncher _launcher = null!;
    private Socket _egress = null!;
    private string _script = null!;
    private string _node = null!;

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_work);
        _script = Path.Combine(_work, "trivial.cjs");
        File.WriteAllText(_script, "process.exitCode = 0;\n");
        _node = "/usr/bin/node";
        _launcher = new BubblewrapServerLauncher();
        // A listening socket stands in for the egress proxy; the trivial program never connects to it.
        _egress = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _egress.Bind(new UnixDomainSocketEndPoint(Path.Combine(_work, "egress.sock")));
        _egress.Listen(16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _egress.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "node, unconfined")]
    public async Task<int> Unconfined()
    {
        var start = new ProcessStartInfo(_node)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(_script);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [Benchmark(Description = "node in bwrap, no egress")]
    public Task<int> Sandboxed() => RunAsync(egress: false);

    [Benchmark(Description = "node in bwrap + relay + preload")]
    public Task<int> SandboxedWithRelay() => RunAsync(egress: true);

    private async Task<int> RunAsync(bool egress)
    {
        var spec = new ServerLaunchSpec
        {
            Command = _node,
            Arguments = [_script],
            ReadOnlyPaths = [_work],
            EgressSocketPath = egress ? Path.Combine(_work, "egress.sock") : null,
        };
        await using var process = await _launcher.StartAsync(spec);
        return await process.Exited;
    }
}
