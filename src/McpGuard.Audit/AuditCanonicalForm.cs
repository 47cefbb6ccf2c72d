using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using McpGuard.Core.Json;

namespace McpGuard.Audit;

/// <summary>
/// The canonical serialisation a record's hash covers (docs/audit.md, "Canonical form"): a JSON object with the
/// twelve keys below, every key always present (null when absent), keys in code-point order, no whitespace,
/// strings escaped as RFC 8785 (JCS) and ECMAScript JSON.stringify do. Because every value is a string, null or
/// the integer seq, this is exactly JCS, so any JCS library or a sorted-key JSON.stringify can re-verify.
/// entry_hash = SHA-256(prev_hash as 32 raw bytes ‖ UTF-8 of the canonical form).
/// </summary>
public static class AuditCanonicalForm
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    // "O" of a UTC DateTime is exactly TimeFormat, and the runtime formats it without parsing a pattern (once per event).
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The canonical JSON text of <paramref name="r"/> (hashes excluded).</summary>
    public static string Serialize(AuditRecord r, long? seqOverride = null)
    {
        var sb = new StringBuilder(256);
        // Keys in code-point (and UTF-16) order; a test pins the order.
        sb.Append('{');
        Key(sb, "decision", first: true); Str(sb, r.Decision);
        Key(sb, "details"); Str(sb, r.Details);
        Key(sb, "direction"); Str(sb, r.Direction);
        Key(sb, "kind"); Str(sb, r.Kind);
        Key(sb, "method"); Str(sb, r.Method);
        Key(sb, "reason"); Str(sb, r.Reason);
        Key(sb, "requestId"); Str(sb, r.RequestId);
        Key(sb, "ruleId"); Str(sb, r.RuleId);
        Key(sb, "seq"); sb.Append((seqOverride ?? r.Seq).ToString(CultureInfo.InvariantCulture));
        Key(sb, "server"); Str(sb, r.Server);
        Key(sb, "time"); Str(sb, r.Time);
        Key(sb, "tool"); Str(sb, r.Tool);
        sb.Append('}');
        return sb.ToString();
    }

    [ThreadStatic]
    private static AuditRecordHasher? t_hasher;

    [ThreadStatic]
    private static AuditRecordEncoder? t_encoder;

    /// <summary>Lowercase hex SHA-256(prev ‖ canonical form).</summary>
    public static string ComputeHash(string prevHashHex, AuditRecord r, long? seqOverride = null)
    {
        Span<byte> prev = stackalloc byte[32];
        if (!TryFromHex(prevHashHex, prev))
        {
            // A prev hash that is not hex cannot have been written by the store; hash it as text so the record
            // fails verification instead of throwing.
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prevHashHex + Serialize(r, seqOverride))));
        }

        Span<byte> hash = stackalloc byte[32];
        var encoded = (t_encoder ??= new AuditRecordEncoder()).Encode(r);
        // An AuditRecord always encodes to a whole record (its required fields are non-null).
        (t_hasher ??= new AuditRecordHasher()).TryHash(prev, encoded, seqOverride ?? r.Seq, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static bool TryFromHex(string hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2 || hex.Length == 0)
        {
            return false;
        }

        return Convert.FromHexString(hex, destination, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == destination.Length;
    }

    private static void Key(StringBuilder sb, string key, bool first = false)
    {
        if (!first)
        {
            sb.Append(',');
        }

        sb.Append('"').Append(key).Append("\":");
    }

    private static void Str(StringBuilder sb, string? value)
    {
        if (value is null)
        {
            sb.Append("null");
            return;
        }

        CanonicalJson.WriteString(sb, value);
    }
}
