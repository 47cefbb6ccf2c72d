using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using McpGuard.Audit;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Egress.Tls;
using McpGuard.Demo.FakeApis;

namespace McpGuard.Benchmarks.Egress;

/// <summary>
/// Added latency of the egress proxy: the same POST /email to a local fake Postmark API over HTTPS, directly
/// (baseline) and through the proxy (CONNECT over its Unix socket, TLS intercepted, Postmark recipients checked,
/// token swapped, audited), both on kept-alive connections. Parallel8 gives intercepted requests per second.
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*EgressProxy*'
/// </summary>
[MemoryDiagnoser]
public class EgressProxyBenchmarks
{
    private const string Token = "bench-token";
    private const string Body = """{"From":"sender@example.com","To":"alice@example.com","Subject":"Hi","TextBody":"Hello"}""";

    private FakePostmarkApi _api = null!;
    private EgressProxy _proxy = null!;
    private EgressCertificateAuthority _ca = null!;
    private HttpClient _direct = null!;
    private HttpClient[] _intercepted = null!;
    private string _placeholder = null!;
    private string _temp = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _temp = Directory.CreateTempSubdirectory("mcpguard-egress-bench").FullName;
        _api = await FakePostmarkApi.StartAsync(Token);
        var upstreamCa = _api.CertificateAuthority.WritePem(_temp);
        _ca = EgressCertificateAuthority.CreateEphemeral();
        var calls = new InFlightCallRegistry();
        calls.Begin(new InFlightCall("postmark", "1", "sendEmail", new JsonObject { ["to"] = "alice@example.com" }, DateTimeOffset.UtcNow));
        _proxy = EgressProxy.Start(
            new EgressProxyOptions
            {
                Policy = new EgressPolicy
                {
                    Server = "postmark",
                    AllowedHosts = ["api.postmarkapp.com"],
                    KnownAddresses = ["sender@example.com"],
                    Secrets = [new EgressSecret("POSTMARK_SERVER_TOKEN", Token, "api.postmarkapp.com", "X-Postmark-Server-Token")],
                },
                UnixSocketPath = Path.Combine(_temp, "egress.sock"),
                Resolve = new Dictionary<string, IPEndPoint> { ["api.postmarkapp.com"] = _api.EndPoint },
                ExtraTrustCaFiles = [upstreamCa],
                DataDirectory = _temp,
                CertificateAuthority = _ca,
            },
            calls,
            new NullAuditSink(),
            new NullRedactor());
        _placeholder = _proxy.PlaceholderEnvironment["POSTMARK_SERVER_TOKEN"];

        var apiCa = X509CertificateLoader.LoadCertificate(_api.CertificateAuthority.Certificate.RawData);
        _direct = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, ct) => await Connect(new IPEndPoint(IPAddress.Loopback, _api.Port), ct),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, e) => Trusts(apiCa, c, e) },
        });
        var proxyCa = X509CertificateLoader.LoadCertificate(_ca.Certificate.RawData);
        _intercepted = [.. Enumerable.Range(0, 8).Select(_ => new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = ConnectThroughProxyAsync,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, c, _, e) => Trusts(proxyCa, c, e) },
        }))];

        // Warm both paths (handshakes, leaf certificate) so the measurement is the kept-alive steady state.
        await Direct();
        await Intercepted();
    }

    [Benchmark(Baseline = true)]
    public Task Direct() => SendAsync(_direct, Token);

    [Benchmark]
    public Task Intercepted() => SendAsync(_intercepted[0], _placeholder);

    /// <summary>8 concurrent kept-alive clients, 8 requests each: per-operation time → intercepted requests per second.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public Task InterceptedParallel8() => Task.WhenAll(_intercepted.Select(async client =>
    {
        for (var i = 0; i < 8; i++)
        {
            await SendAsync(client, _placeholder);
        }
    }));

    private static async Task SendAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.postmarkapp.com/email")
        {
            Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Postmark-Server-Token", token);
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        await response.Content.ReadAsByteArrayAsync();
    }

    private async ValueTask<Stream> ConnectThroughProxyAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_proxy.SocketPath!), cancellationToken);
        var stream = new NetworkStream(socket, ownsSocket: true);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {context.DnsEndPoint.Host}:443 HTTP/1.1\r\nHost: {context.DnsEndPoint.Host}:443\r\n\r\n"), cancellationToken);
        var seen = new List<byte>();
        var one = new byte[1];
        while (!(seen.Count >= 4 && seen[^1] == '\n' && seen[^2] == '\r' && seen[^3] == '\n' && seen[^4] == '\r'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("proxy closed");
            }

            seen.Add(one[0]);
        }

        return stream;
    }

    private static async ValueTask<Stream> Connect(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static bool Trusts(X509Certificate2 root, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _direct.Dispose();
        foreach (var client in _intercepted)
        {
            client.Dispose();
        }

        await _proxy.DisposeAsync();
        await _api.DisposeAsync();
        _ca.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private sealed class NullAuditSink : IAuditSink
    {
        public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NullRedactor : ISecretRedactor
    {
        public string Redact(string text) => text;

        public void RedactInPlace(JsonNode? node)
        {
        }

        public bool ContainsSecret(string text) => false;
    }
}
