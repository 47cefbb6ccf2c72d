using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace McpGuard.Audit;

/// <summary>
/// Writes a record's canonical form (<see cref="AuditCanonicalForm"/>) straight into a reused UTF-8 buffer and hashes
/// it, with no intermediate strings: the store does this once per event, in the commit that forwards a message, so it
/// is on the proxy's hot path. One instance per thread of use (not thread-safe).
/// </summary>
internal sealed class AuditRecordHasher
{
    // JCS escapes only the quote, the backslash and the C0 controls; every other UTF-8 byte is copied as is.
    private static readonly SearchValues<byte> s_needsEscape = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private readonly ArrayBufferWriter<byte> _canonical = new(1024);
    private byte[] _scratch = new byte[256];

    /// <summary>SHA-256(prev ‖ canonical form) of the record into <paramref name="hash"/> (32 bytes).</summary>
    public void Hash(ReadOnlySpan<byte> prev, PreparedAuditRecord r, long seq, Span<byte> hash)
    {
        _canonical.ResetWrittenCount();
        Append(prev);
        // Keys in code-point order; AuditCanonicalFormTests pin the order and the escaping against the string form.
        Append("{\"decision\":"u8); String(r.Decision);
        Append(",\"details\":"u8); Utf8String(r.Details);
        Append(",\"direction\":"u8); String(r.Direction);
        Append(",\"kind\":"u8); String(r.Kind);
        Append(",\"method\":"u8); String(r.Method);
        Append(",\"reason\":"u8); String(r.Reason);
        Append(",\"requestId\":"u8); String(r.RequestId);
        Append(",\"ruleId\":"u8); String(r.RuleId);
        Append(",\"seq\":"u8); Number(seq);
        Append(",\"server\":"u8); String(r.Server);
        Append(",\"time\":"u8); String(r.Time);
        Append(",\"tool\":"u8); String(r.Tool);
        Append("}"u8);
        SHA256.HashData(_canonical.WrittenSpan, hash);
    }

    /// <summary>The canonical form of the last <see cref="Hash"/> call, without the prev-hash prefix (tests).</summary>
    internal string LastCanonicalText => Encoding.UTF8.GetString(_canonical.WrittenSpan[32..]);

    /// <summary>Lower-case hex of <paramref name="bytes"/> as UTF-8 into <paramref name="destination"/> (2 bytes each).</summary>
    public static void ToHexUtf8(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }
    }

    /// <summary>
    /// UTF-8 of <paramref name="s"/> in a reused buffer (valid until the next call). Lone surrogates become U+FFFD, as
    /// <see cref="AuditCanonicalForm.Sanitize"/> does, so what is hashed is what SQLite stores.
    /// </summary>
    public ReadOnlySpan<byte> Utf8(string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (_scratch.Length < max)
        {
            _scratch = new byte[Math.Max(max, _scratch.Length * 2)];
        }

        return _scratch.AsSpan(0, Encoding.UTF8.GetBytes(s, _scratch));
    }

    private void Append(ReadOnlySpan<byte> bytes) => _canonical.Write(bytes);

    private void Number(long value)
    {
        var span = _canonical.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _canonical.Advance(written);
    }

    private void String(string? value)
    {
        if (value is null)
        {
            Append("null"u8);
            return;
        }

        Utf8String(Utf8(value));
    }

    private void Utf8String(ReadOnlySpan<byte> value)
    {
        Append("\""u8);
        while (!value.IsEmpty)
        {
            var next = value.IndexOfAny(s_needsEscape);
            if (next < 0)
            {
                Append(value);
                break;
            }

            Append(value[..next]);
            Escape(value[next]);
            value = value[(next + 1)..];
        }

        Append("\""u8);
    }

    private void Utf8String(byte[]? value)
    {
        if (value is null)
        {
            Append("null"u8);
            return;
        }

        Utf8String(value.AsSpan());
    }

    private void Escape(byte b)
    {
        switch (b)
        {
            case (byte)'"': Append("\\\""u8); break;
            case (byte)'\\': Append("\\\\"u8); break;
            case (byte)'\b': Append("\\b"u8); break;
            case (byte)'\f': Append("\\f"u8); break;
            case (byte)'\n': Append("\\n"u8); break;
            case (byte)'\r': Append("\\r"u8); break;
            case (byte)'\t': Append("\\t"u8); break;
            default:
                const string Hex = "0123456789abcdef";
                Append("\\u00"u8);
                Append([(byte)Hex[b >> 4], (byte)Hex[b & 0xF]]);
                break;
        }
    }
}
