using System.Security.Cryptography;

namespace McpGuard.Verify.Packages;

/// <summary>
/// Content-addressed tarball cache: files are named by the hex SHA-512 of their bytes, and every read re-checks
/// the hash, so a tampered cache entry is ignored (and replaced) rather than trusted.
/// </summary>
public sealed class PackageCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary><c>&lt;data dir&gt;/cache/npm</c>, the data dir being <see cref="Core.DataDirectory.Resolve"/>'s.</summary>
    public static string DefaultDirectory(Func<string, string?> env) =>
        Path.Combine(Core.DataDirectory.Resolve(env), "cache", "npm");

    public byte[]? TryGet(string integrity)
    {
        var path = PathFor(integrity);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        return SriIntegrity.Matches(integrity, bytes) ? bytes : null;
    }

    public void Put(byte[] tarball)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var final = Path.Combine(Directory, Convert.ToHexStringLower(SHA512.HashData(tarball)) + ".tgz");
        var temp = final + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, tarball);
        File.Move(temp, final, overwrite: true);
    }

    private string? PathFor(string integrity)
    {
        foreach (var part in integrity.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("sha512-", StringComparison.Ordinal))
            {
                var bytes = new byte[64];
                if (Convert.TryFromBase64String(part["sha512-".Length..], bytes, out var n) && n == 64)
                {
                    return Path.Combine(Directory, Convert.ToHexStringLower(bytes) + ".tgz");
                }
            }
        }

        return null;
    }
}
