using McpGuard.Runtime.Tests.Support;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Egress.Tls;
using McpGuard.TestSupport;
using McpGuard.Demo.FakeApis;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>
/// A fake Postmark API on 127.0.0.1 plus a real egress proxy in front of it (api.postmarkapp.com resolved to the
/// fake, the fake's test CA trusted upstream), and clients that reach the proxy the way sandboxed servers do.
/// </summary>
internal sealed class EgressTestHost : IAsyncDisposable
{
    public const string Server = "postmark";
    public const string RealToken = "real-postmark-token-7f3c";

    private EgressTestHost(TempDirectory temp, FakePostmarkApi api, EgressProxy proxy, EgressCertificateAuthority ca)
    {
        Temp = temp;
        Api = api;
        Proxy = proxy;
        Ca = ca;
    }

    public TempDirectory Temp { get; }
    public FakePostmarkApi Api { get; }
    public EgressProxy Proxy { get; }
    public EgressCertificateAuthority Ca { get; }
    public InFlightCallRegistry Calls { get; private set; } = new();
    public InMemoryAuditSink Audit { get; private set; } = new();
    public List<EgressAlert> Alerts { get; private set; } = [];

    public string Placeholder => Proxy.PlaceholderEnvironment["POSTMARK_SERVER_TOKEN"];

    public static async Task<EgressTestHost> StartAsync(bool unixSocket, Func<EgressPolicy, EgressPolicy>? configure = null)
    {
        var temp = new TempDirectory("mcpguard-egress");
        var api = await FakePostmarkApi.StartAsync(RealToken, TestContext.Current.CancellationToken);
        var caPath = api.CertificateAuthority.WritePem(temp.Path);
        var policy = new EgressPolicy
        {
            Server = Server,
            AllowedHosts = ["api.postmarkapp.com", "*.allowed.test"],
            KnownAddresses = ["sender@example.com"],
            Secrets = [new EgressSecret("POSTMARK_SERVER_TOKEN", RealToken, "api.postmarkapp.com", "X-Postmark-Server-Token")],
        };
        policy = configure?.Invoke(policy) ?? policy;
        var ca = EgressCertificateAuthority.CreateEphemeral();
        var calls = new InFlightCallRegistry();
        var audit = new InMemoryAuditSink();
        var alerts = new List<EgressAlert>();
        var proxy = EgressProxy.Start(
            new EgressProxyOptions
            {
                Policy = policy,
                UnixSocketPath = unixSocket ? Path.Combine(temp.Path, "egress.sock") : null,
                Resolve = new Dictionary<string, IPEndPoint> { ["api.postmarkapp.com"] = api.EndPoint },
                ExtraTrustCaFiles = [caPath],
                DataDirectory = temp.Path,
                CertificateAuthority = ca,
            },
            calls,
            audit,
            new FakeSecretRedactor(),
            a =>
            {
                lock (alerts)
                {
                    alerts.Add(a);
                }
            });
        var host = new EgressTestHost(temp, api, proxy, ca);
        host.Calls = calls;
        host.Audit = audit;
        host.Alerts = alerts;
        return host;
    }

    /// <summary>Registers a tools/call in flight with these arguments.</summary>
    public void BeginCall(string requestId, JsonObject arguments) =>
        Calls.Begin(new InFlightCall(Server, requestId, "sendEmail", arguments, DateTimeOffset.UtcNow));

    /// <summary>An HttpClient that reaches the proxy like a sandboxed server: CONNECT over the socket, trusting McpGuard's CA.</summary>
    public HttpClient CreateConnectClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var stream = await OpenProxyStreamAsync(ct);
                var connect = $"CONNECT {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port} HTTP/1.1\r\nHost: {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(connect), ct);
                var (status, _, _) = await RawHttp.ReadResponseAsync(stream, ct, expectBody: false);
                if (status != 200)
                {
                    stream.Dispose();
                    throw new HttpRequestException($"CONNECT refused with {status}");
                }

                return stream;
            },
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateAgainstProxyCa },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<Stream> OpenProxyStreamAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        if (Proxy.SocketPath is { } path)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
        }
        else
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(Proxy.TcpEndPoint!, cancellationToken);
        }

        return new NetworkStream(socket, ownsSocket: true);
    }

    public bool ValidateAgainstProxyCa(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(Ca.Certificate.RawData));
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Api.DisposeAsync();
        Ca.Dispose();
        Temp.Dispose();
    }
}
