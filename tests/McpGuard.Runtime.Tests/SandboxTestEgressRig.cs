using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// A local HTTPS+HTTP endpoint (names api.example.test, api.postmarkapp.com, plain.example.test) behind a test
/// CONNECT proxy on a Unix socket, and the trust bundle for the endpoint's test CA.
/// </summary>
internal sealed class SandboxTestEgressRig : IAsyncDisposable
{
    public required TempDirectory Temp { get; init; }
    public required SandboxTestCertificates Certificates { get; init; }
    public required SandboxTestHttpsServer Server { get; init; }
    public required SandboxTestConnectProxy Proxy { get; init; }
    public required string TrustBundle { get; init; }

    public static async Task<SandboxTestEgressRig> StartAsync()
    {
        var temp = new TempDirectory("mcpguard-sandbox-egress");
        var certificates = new SandboxTestCertificates();
        var server = await SandboxTestHttpsServer.StartAsync(certificates.CreateLeaf("api.example.test", "api.postmarkapp.com"));
        var proxy = new SandboxTestConnectProxy(Path.Combine(temp.Path, "egress.sock"), new Dictionary<string, int>
        {
            ["api.example.test:443"] = server.HttpsPort,
            ["api.postmarkapp.com:443"] = server.HttpsPort,
            ["plain.example.test:80"] = server.HttpPort,
        });
        // Like McpGuard's real bundle: its CA plus the system roots.
        const string systemStore = "/etc/ssl/certs/ca-certificates.crt";
        var bundle = temp.Write("ca-bundle.pem", certificates.CaPem + (File.Exists(systemStore) ? File.ReadAllText(systemStore) : ""));
        return new SandboxTestEgressRig { Temp = temp, Certificates = certificates, Server = server, Proxy = proxy, TrustBundle = bundle };
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
        Certificates.Dispose();
        Temp.Dispose();
    }
}
