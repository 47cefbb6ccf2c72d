using McpGuard.Core;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress;
using McpGuard.Runtime.Egress.Tls;
using McpGuard.Runtime.Tests.Support;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.Egress;

public sealed class EgressTrustCaFileTests
{
    [Fact]
    public void Start_TrustCaFileWithNoCertificate_IsAnInputError()
    {
        using var temp = new TempDirectory("mcpguard-egress");
        var notPem = temp.Write("ca.pem", "{\"mcpServers\": {");

        // Before: ImportFromPemFile skipped the non-PEM text and the proxy started with no extra root, silently.
        var ex = Assert.Throws<UserInputException>(() => Start(temp.Path, notPem));
        Assert.Equal($"--egress-trust-ca '{notPem}': not a readable PEM certificate file (no certificate in it)", ex.Message);
    }

    [Fact]
    public async Task Start_TrustCaFileThatIsANamedPipe_IsAnInputErrorAtOnce()
    {
        using var temp = new TempDirectory("mcpguard-egress");
        var fifo = temp.Fifo("ca.pem");

        // Before: the read blocked until a writer appeared.
        var start = Task.Run(() => Start(temp.Path, fifo), TestContext.Current.CancellationToken);
        Assert.Same(start, await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
        var ex = await Assert.ThrowsAsync<UserInputException>(() => start);
        Assert.Equal($"--egress-trust-ca {fifo}: cannot read it (not a regular file but a pipe, socket or device)", ex.Message);
    }

    private static EgressProxy Start(string dataDirectory, string trustCa) =>
        EgressProxy.Start(
            new EgressProxyOptions
            {
                Policy = new EgressPolicy { Server = "s", AllowedHosts = ["api.example.com"] },
                ExtraTrustCaFiles = [trustCa],
                DataDirectory = dataDirectory,
                CertificateAuthority = EgressCertificateAuthority.CreateEphemeral(),
            },
            new InFlightCallRegistry(),
            new InMemoryAuditSink(),
            new FakeSecretRedactor(),
            _ => { });
}
