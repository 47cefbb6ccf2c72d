using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using McpGuard.Runtime.Sandbox;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>The Node extra-CA file: only the bundle's non-system certificates, remembered on disk by bundle content.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeTrustBundleTests
{
    private const string SystemStore = "/etc/ssl/certs/ca-certificates.crt";

    [Fact]
    public void ExtraCertificatesFile_KeepsOnlyOwnCa_AndIsRememberedByContentAcrossRewrites()
    {
        Assert.True(File.Exists(SystemStore), "this test needs the Debian system store (ca-certificates)");
        using var temp = new TempDirectory("mcpguard-node-trust");
        var assets = Path.Combine(temp.Path, "assets");
        Directory.CreateDirectory(assets);
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=McpGuard test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var content = ca.ExportCertificatePem() + "\n" + File.ReadAllText(SystemStore);
        var bundle = temp.Write("ca-bundle.pem", content);

        var first = NodeTrustBundle.ExtraCertificatesFile(bundle, assets);
        var marker = Assert.Single(Directory.GetFiles(assets, "node-extra-ca-for-*"));
        // The proxy rewrites the bundle at every run: same bytes, new mtime. The answer must come from the marker,
        // which this test changes to "use the full bundle" (null) to prove it is read instead of re-parsing.
        File.WriteAllText(marker, "-\n");
        File.WriteAllText(bundle, content);
        File.SetLastWriteTimeUtc(bundle, DateTime.UtcNow.AddMinutes(1));
        var second = NodeTrustBundle.ExtraCertificatesFile(bundle, assets);

        Assert.NotNull(first);
        var extra = new X509Certificate2Collection();
        extra.ImportFromPemFile(first);
        Assert.Equal(ca.Thumbprint, Assert.Single(extra).Thumbprint);
        Assert.Null(second);
    }
}
