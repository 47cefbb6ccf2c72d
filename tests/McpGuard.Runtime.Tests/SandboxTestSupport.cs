using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>Preconditions of the sandbox integration tests: they FAIL (never skip) when bwrap or the fixtures are missing.</summary>
internal static class SandboxTestEnvironment
{
    private static readonly Lazy<Task<SandboxProbeResult>> s_probe = new(() => SandboxProbe.RunAsync());

    public static string NodeModules => Path.Combine(RepoPaths.NodeFixtures, "node_modules");

    /// <summary>Node HTTP-client probes (egress-clients.cjs); the email servers themselves are RepoPaths.EmailServer.</summary>
    public static string EmailServerFixtures => Path.Combine(RepoPaths.NodeFixtures, "email-server");

    /// <summary>Fails the test with the probe's reason and fix when bubblewrap cannot build a sandbox here.</summary>
    public static async Task<BubblewrapServerLauncher> RequireLauncherAsync(BubblewrapOptions? options = null)
    {
        var probe = await s_probe.Value;
        if (!probe.IsAvailable)
        {
            Assert.Fail("The sandbox tests need a working bubblewrap (CI installs it with .ci/run): " + probe.Describe());
        }

        return new BubblewrapServerLauncher(options);
    }

    public static void RequireNodeFixtures()
    {
        if (!Directory.Exists(Path.Combine(NodeModules, "@modelcontextprotocol", "sdk")))
        {
            Assert.Fail($"{NodeModules} is missing: run 'npm ci --prefix tests/Fixtures/node --ignore-scripts' (or .ci/run).");
        }
    }
}

/// <summary>Output of a sandboxed program run to completion.</summary>
internal sealed record SandboxRunResult(int ExitCode, string StandardOutput, string StandardError);

internal static class SandboxRunner
{
    /// <summary>Starts the spec, writes <paramref name="stdin"/>, closes stdin and collects everything until exit (60 s cap).</summary>
    public static async Task<SandboxRunResult> RunAsync(IServerLauncher launcher, ServerLaunchSpec spec, string stdin = "")
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = await launcher.StartAsync(spec, ct);
        var stdout = new StreamReader(process.StandardOutput, Encoding.UTF8).ReadToEndAsync(ct);
        var stderr = new StreamReader(process.StandardError, Encoding.UTF8).ReadToEndAsync(ct);
        if (stdin.Length > 0)
        {
            await process.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(stdin), ct);
        }

        process.StandardInput.Close();
        var exit = await process.Exited.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return new SandboxRunResult(exit, await stdout, await stderr);
    }

    /// <summary>`node SCRIPT args` with the script's folder mounted read-only.</summary>
    public static ServerLaunchSpec Node(string script, params string[] args) => new()
    {
        Command = "node",
        Arguments = [script, .. args],
        ReadOnlyPaths = [Path.GetDirectoryName(script)!],
    };
}

/// <summary>A throwaway CA and leaf certificates for local HTTPS endpoints.</summary>
internal sealed class SandboxTestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public SandboxTestCertificates()
    {
        var request = new CertificateRequest("CN=McpGuard sandbox test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem() + "\n";

    public X509Certificate2 CreateLeaf(params string[] hosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hosts[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            san.AddDnsName(host);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        // Valid until the CA's end at the latest: "now + 1 day" taken a second after the CA's passes it, and Create refuses.
        using var cert = request.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), Ca.NotAfter.ToUniversalTime(), serial);
        return cert.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
