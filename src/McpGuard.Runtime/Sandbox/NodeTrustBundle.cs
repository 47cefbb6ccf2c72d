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

        // The egress proxy rewrites the bundle at every `mcpguard run` (new mtime), so the on-disk cache is keyed by
        // content: a hash of the bundle's bytes plus the system store's identity. Hashing ~200 KB is far cheaper
        // than parsing ~280 certificates in every new process.
        var marker = DiskMarker(bundlePath, store, assetDirectory);
        if (marker is not null && ReadMarker(marker) is { } remembered)
        {
            s_cache[key] = remembered.Path;
            return remembered.Path;
        }

        var result = Compute(bundlePath, store, assetDirectory);
        s_cache[key] = result;
        if (marker is not null)
        {
            WriteMarker(marker, result);
        }

        return result;
    }

    private sealed record Remembered(string? Path);

    private static string? DiskMarker(string bundlePath, string store, string assetDirectory)
    {
        try
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bundlePath))) + "|" + Identity(store))))[..32];
            return Path.Combine(assetDirectory, $"node-extra-ca-for-{hash}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The remembered answer; null when there is none or it points at a file that is gone.</summary>
    private static Remembered? ReadMarker(string marker)
    {
        try
        {
            if (!File.Exists(marker))
            {
                return null;
            }

            var text = File.ReadAllText(marker).Trim();
            if (text == "-")
            {
                return new Remembered(null);
            }

            // Only a file of ours in the private asset folder counts (the marker lives there too).
            return Path.GetDirectoryName(text) == Path.GetDirectoryName(marker) && File.Exists(text) ? new Remembered(text) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteMarker(string marker, string? result)
    {
        try
        {
            SandboxAssets.WriteAtomically(marker, Encoding.UTF8.GetBytes((result ?? "-") + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: without the marker the next process parses the bundle again.
        }
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
