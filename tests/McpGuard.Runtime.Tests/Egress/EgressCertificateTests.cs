using McpGuard.Core;
using System.Security.Cryptography.X509Certificates;
using McpGuard.Runtime.Egress.Tls;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>The local CA (persisted, private key 0600) and the leaf certificates it issues.</summary>
public sealed class EgressCertificateTests
{
    [Fact]
    public void LoadOrCreate_FirstUse_PersistsKeyOwnerOnlyAndReloadsSameCa()
    {
        using var temp = new TempDirectory();
        var dir = Path.Combine(temp.Path, "home");

        using var first = EgressCertificateAuthority.LoadOrCreate(dir);
        using var second = EgressCertificateAuthority.LoadOrCreate(dir);

        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, EgressCertificateAuthority.KeyFileName)));
        }

        var constraints = first.Certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.NotNull(first.Certificate.GetECDsaPublicKey());
    }

    [Fact]
    public void LeafCache_Host_SanEkuChainAndCached()
    {
        using var ca = EgressCertificateAuthority.CreateEphemeral();
        using var cache = new LeafCertificateCache(ca, 8, TimeProvider.System);

        var context = cache.Get("api.postmarkapp.com");
        var leaf = context.TargetCertificate;

        Assert.Same(context, cache.Get("API.postmarkapp.com"));
        Assert.Contains("api.postmarkapp.com", leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Contains(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(ca.Certificate.RawData));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf));
    }

    [Fact]
    public void TrustBundle_Write_HasOurCaAndSystemRoots()
    {
        using var temp = new TempDirectory();
        using var ca = EgressCertificateAuthority.CreateEphemeral();

        var path = TrustBundle.Write(ca, temp.Path);

        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        Assert.Contains(bundle, c => c.Thumbprint == ca.Certificate.Thumbprint);
        Assert.True(bundle.Count > 1, "system roots expected in the bundle");
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Home_EnvironmentOrder_McpguardHomeThenXdg()
    {
        Assert.Equal("/tmp/mg", DataDirectory.Resolve(n => n == "MCPGUARD_HOME" ? "/tmp/mg" : "/x"));
        Assert.Equal("/tmp/xdg/mcpguard", DataDirectory.Resolve(n => n == "XDG_DATA_HOME" ? "/tmp/xdg" : null));
        Assert.EndsWith(".local/share/mcpguard", DataDirectory.Resolve(_ => null), StringComparison.Ordinal);
    }
}
