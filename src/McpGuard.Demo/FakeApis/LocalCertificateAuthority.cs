using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace McpGuard.Demo.FakeApis;

/// <summary>A throwaway CA made in memory, and server certificates it signs, so fake APIs speak real HTTPS on loopback.</summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    public LocalCertificateAuthority(string name = "McpGuard local upstream CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Writes the CA certificate as PEM (for --egress-trust-ca) and returns the path.</summary>
    public string WritePem(string directory)
    {
        var path = Path.Combine(directory, "upstream-test-ca.pem");
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>A server certificate for these DNS names plus 127.0.0.1.</summary>
    public X509Certificate2 IssueServerCertificate(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames.FirstOrDefault() ?? "localhost"}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(12));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose() => Certificate.Dispose();
}
