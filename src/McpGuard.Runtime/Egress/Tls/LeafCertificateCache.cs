using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace McpGuard.Runtime.Egress.Tls;

/// <summary>
/// Issues and caches one leaf certificate per host (SAN = host, EKU serverAuth), signed by the local CA. The cached
/// item is an <see cref="SslStreamCertificateContext"/> so each handshake skips chain building.
/// </summary>
internal sealed class LeafCertificateCache(EgressCertificateAuthority authority, int capacity, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<SslStreamCertificateContext>> _cache = new(StringComparer.OrdinalIgnoreCase);

    public SslStreamCertificateContext Get(string host)
    {
        if (_cache.Count >= capacity)
        {
            // Simple bound: a server never needs more hosts than this; start over rather than grow without limit.
            _cache.Clear();
        }

        return _cache.GetOrAdd(host, h => new Lazy<SslStreamCertificateContext>(() => Issue(h))).Value;
    }

    private SslStreamCertificateContext Issue(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (System.Net.IPAddress.TryParse(host, out var ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            san.AddDnsName(host);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority.Certificate, true, false));
        var now = time.GetUtcNow();
        var notAfter = now.AddDays(30) < authority.Certificate.NotAfter ? now.AddDays(30) : (DateTimeOffset)authority.Certificate.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority.Certificate, now.AddDays(-1), notAfter, serial);
        var leaf = issued.CopyWithPrivateKey(key);
        using var caPublic = X509CertificateLoader.LoadCertificate(authority.Certificate.RawData);
        return SslStreamCertificateContext.Create(leaf, [caPublic], offline: true);
    }

    public void Dispose() => _cache.Clear();
}
