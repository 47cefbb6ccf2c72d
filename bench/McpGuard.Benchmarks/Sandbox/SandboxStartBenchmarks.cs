using System.Diagnostics;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Benchmarks.Sandbox;

/// <summary>
/// Sandbox start overhead: a trivial node program started and run to exit, unconfined (baseline) vs inside bubblewrap
/// without egress, and with egress (socat relay started and waited for, Node proxy preload loaded, a trust bundle of
/// a local CA plus the system roots). The baseline runs with an empty environment like the sandbox does: an inherited
/// NODE_EXTRA_CA_CERTS pointing at the full system store alone adds ~90 ms to every Node start here.
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*SandboxStart*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 25)]
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
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=bench CA", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        const string systemStore = "/etc/ssl/certs/ca-certificates.crt";
        File.WriteAllText(Path.Combine(_work, "ca-bundle.pem"), ca.ExportCertificatePem() + "\n" + (File.Exists(systemStore) ? File.ReadAllText(systemStore) : ""));
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
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
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
            TrustBundlePath = egress ? Path.Combine(_work, "ca-bundle.pem") : null,
        };
        await using var process = await _launcher.StartAsync(spec);
        return await process.Exited;
    }
}
