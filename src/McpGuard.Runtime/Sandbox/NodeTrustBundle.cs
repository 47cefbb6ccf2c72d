using System.Collections.Concurrent;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// NODE_EXTRA_CA_CERTS is parsed synchronously at every Node start-up and only *appends* to Node's bundled roots, so
/// handing it the full trust bundle (McpGuard's CA + ~140 system roots) costs Node ~90 ms per start on our machine.
/// Node needs only what it lacks: this keeps the bundle's certificates that are not in the system store (McpGuard's
/// CA, any --egress-trust-ca). The full bundle still goes to SSL_CERT_FILE and friends, which replace a tool's store.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class NodeTrustBundle
{
    private static readonly string[] s_systemStores =
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"];

    /// <summary>Results by bundle and system store identity (path, size, modification time): parsing ~140 roots per start is too slow.</summary>
    private static readonly ConcurrentDictionary<string, string?> s_cache = new(StringComparer.Ordinal);

    /// <summary>
    /// A file with the bundle's non-system certificates, or null to use the full bundle (no system store found, the
    /// bundle cannot be parsed, or nothing would be dropped). Null is the safe answer: slower, never less trusted.
    /// </summary>
    public static string? ExtraCertificatesFile(string bundlePath, string assetDirectory)
    {
        var store = s_systemStores.FirstOrDefault(File.Exists);
        if (store is null)
        {
            return null;
        }

        var key = string.Join('|', Identity(bundlePath), Identity(store), assetDirectory);
        if (s_cache.TryGetValue(key, out var cached) && (cached is null || File.Exists(cached)))
        {
            return cached;
        }

        var result = Compute(bundlePath, store, assetDirectory);
        s_cache[key] = result;
        return result;
    }

    private static string Identity(string path)
    {
        var info = new FileInfo(path);
        return $"{info.FullName}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
    }

    private static string? Compute(string bundlePath, string store, string assetDirectory)
    {
        try
        {
            var system = new X509Certificate2Collection();
            system.ImportFromPemFile(store);
            var known = system.Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPemFile(bundlePath);
            var extra = bundle.Where(c => !known.Contains(c.Thumbprint)).ToList();
            if (extra.Count == bundle.Count || extra.Count == 0)
            {
                return null;
            }

            var pem = new StringBuilder();
            foreach (var cert in extra)
            {
                pem.Append(cert.ExportCertificatePem()).Append('\n');
            }

            return SandboxAssets.Write(assetDirectory, "node-extra-ca", ".pem", pem.ToString());
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
