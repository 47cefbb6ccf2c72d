using McpGuard.Core;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace McpGuard.Runtime.Egress.Tls;

/// <summary>
/// McpGuard's local CA for TLS interception: ECDSA P-256, created on first use and persisted in the data folder
/// (key file 0600). The folder is never mounted into a sandbox, so servers only ever see the public certificate.
/// </summary>
public sealed class EgressCertificateAuthority : IDisposable
{
    public const string CertificateFileName = "egress-ca.pem";
    public const string KeyFileName = "egress-ca.key.pem";

    private EgressCertificateAuthority(X509Certificate2 certificate, string certificatePath)
    {
        Certificate = certificate;
        CertificatePath = certificatePath;
    }

    /// <summary>The CA certificate with its private key (in memory only).</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }

    /// <summary>Loads the CA from <paramref name="dataDirectory"/>, creating it (and the folder) on first use.</summary>
    public static EgressCertificateAuthority LoadOrCreate(string dataDirectory, TimeProvider? time = null)
    {
        DataDirectory.CreatePrivate(dataDirectory);
        var certPath = Path.Combine(dataDirectory, CertificateFileName);
        var keyPath = Path.Combine(dataDirectory, KeyFileName);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            var now = (time ?? TimeProvider.System).GetUtcNow();
            if (loaded.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(30))
            {
                return new EgressCertificateAuthority(loaded, certPath);
            }

            // Expiring soon: replace it rather than hand out leaves that die mid-run.
            loaded.Dispose();
        }

        var created = Create(time ?? TimeProvider.System);
        WritePrivate(keyPath, created.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, created.ExportCertificatePem());
        return new EgressCertificateAuthority(created, certPath);
    }

    /// <summary>A CA that lives in memory only (tests, benchmarks).</summary>
    public static EgressCertificateAuthority CreateEphemeral(TimeProvider? time = null) =>
        new(Create(time ?? TimeProvider.System), string.Empty);

    private static X509Certificate2 Create(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=McpGuard local egress CA, O=McpGuard", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    private static void WritePrivate(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode only applies to new files; an existing file keeps its mode unless we set it.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void Dispose() => Certificate.Dispose();
}
