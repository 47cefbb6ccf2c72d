using System.Security.Cryptography;

namespace McpGuard.Verify.Packages;

/// <summary>Subresource-integrity strings as npm writes them in dist.integrity ("sha512-BASE64").</summary>
internal static class SriIntegrity
{
    public static string Sha512Of(ReadOnlySpan<byte> data) => "sha512-" + Convert.ToBase64String(SHA512.HashData(data));

    /// <summary>
    /// True when one of the sha512 entries matches. Fails closed: a missing, malformed or sha1-only integrity is
    /// not a match, because sha1 is collidable and an attacker who controls the mirror controls it too.
    /// </summary>
    public static bool Matches(string? integrity, ReadOnlySpan<byte> data)
    {
        if (string.IsNullOrWhiteSpace(integrity))
        {
            return false;
        }

        var actual = SHA512.HashData(data);
        Span<byte> expected = stackalloc byte[64];
        foreach (var part in integrity.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.StartsWith("sha512-", StringComparison.Ordinal))
            {
                continue;
            }

            var b64 = part["sha512-".Length..];
            var q = b64.IndexOf('?', StringComparison.Ordinal);
            if (q >= 0)
            {
                b64 = b64[..q];
            }

            if (Convert.TryFromBase64String(b64, expected, out var n) && n == 64 && CryptographicOperations.FixedTimeEquals(expected, actual))
            {
                return true;
            }
        }

        return false;
    }
}
