using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace McpGuard.Runtime.Egress.Tls;

/// <summary>
/// Writes the PEM bundle handed to the sandbox (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE...): McpGuard's CA plus the
/// system roots, because SSL_CERT_FILE-style variables replace a tool's store rather than add to it.
/// </summary>
public static class TrustBundle
{
    public const string FileName = "egress-trust-bundle.pem";

    public static string Write(EgressCertificateAuthority authority, string directory)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var builder = new StringBuilder();
        builder.Append("# McpGuard local egress CA\n").Append(authority.Certificate.ExportCertificatePem()).Append('\n');
        foreach (var root in SystemRoots())
        {
            builder.Append(root.ExportCertificatePem()).Append('\n');
            root.Dispose();
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, builder.ToString());
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private static List<X509Certificate2> SystemRoots()
    {
        var roots = new List<X509Certificate2>();
        foreach (var location in new[] { StoreLocation.LocalMachine, StoreLocation.CurrentUser })
        {
            try
            {
                using var store = new X509Store(StoreName.Root, location);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                roots.AddRange(store.Certificates);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // A missing user store is normal; the bundle still has our CA and whatever roots were found.
            }
        }

        return roots;
    }
}
