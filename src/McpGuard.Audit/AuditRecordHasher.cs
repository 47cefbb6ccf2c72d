using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace McpGuard.Audit;

using Field = AuditRecordFields.Field;

/// <summary>
/// Writes an encoded record's canonical form (<see cref="AuditCanonicalForm"/>) straight into a reused UTF-8 buffer and
/// hashes it, with no intermediate strings: every record is hashed once, when it takes its place in the chain.
/// One instance per thread of use (not thread-safe).
/// </summary>
internal sealed class AuditRecordHasher
{
    // JCS escapes only the quote, the backslash and the C0 controls; every other UTF-8 byte is copied as is.
    private static readonly SearchValues<byte> s_needsEscape = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    // A plain array and length rather than an ArrayBufferWriter: the canonical form is some thirty small appends per
    // record, and the writer's checks per append showed up in the import's profile.
    private byte[] _canonical = new byte[1024];
    private int _length;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly (int Start, int Length)[] _ranges = new (int, int)[AuditRecordFields.Count];
    private ReadOnlyMemory<byte> _record;

    /// <summary>
    /// SHA-256(prev ‖ canonical form) of the encoded record (<see cref="AuditRecordEncoder"/>) into
    /// <paramref name="hash"/> (32 bytes); false, with nothing hashed, when <paramref name="record"/> is not a whole
    /// record.
    /// </summary>
    public bool TryHash(ReadOnlySpan<byte> prev, ReadOnlyMemory<byte> record, long seq, Span<byte> hash)
    {
        if (!AuditRecordFields.TryParse(record.Span, _ranges))
        {
            _record = default;
            return false;
        }

        _record = record;
        _length = 0;
        Append(prev);
        // Keys in code-point order; AuditCanonicalFormTests pin the order and the escaping against the string form.
        Append("{\"decision\":"u8); String(Field.Decision);
        Append(",\"details\":"u8); String(Field.Details);
        Append(",\"direction\":"u8); String(Field.Direction);
        Append(",\"kind\":"u8); String(Field.Kind);
        Append(",\"method\":"u8); String(Field.Method);
        Append(",\"reason\":"u8); String(Field.Reason);
        Append(",\"requestId\":"u8); String(Field.RequestId);
        Append(",\"ruleId\":"u8); String(Field.RuleId);
        Append(",\"seq\":"u8); Number(seq);
        Append(",\"server\":"u8); String(Field.Server);
        Append(",\"time\":"u8); String(Field.Time);
        Append(",\"tool\":"u8); String(Field.Tool);
        Append("}"u8);
        // One reused digest: the one-shot API sets up (and clears the errors of) an OpenSSL context per call, which
        // cost more than hashing the few hundred bytes of a record.
        _sha256.AppendData(_canonical, 0, _length);
        _sha256.GetHashAndReset(hash);
        return true;
    }

    /// <summary>The UTF-8 of a field of the record being hashed; false when the field is null.</summary>
    private bool TryGetField(Field field, out ReadOnlySpan<byte> value)
    {
        var (start, length) = _ranges[(int)field];
        value = length < 0 ? default : _record.Span.Slice(start, length);
        return length >= 0;
    }

    /// <summary>The canonical form of the last <see cref="TryHash"/> call, without the prev-hash prefix (tests).</summary>
    internal string LastCanonicalText => Encoding.UTF8.GetString(_canonical, 32, _length - 32);

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_canonical.Length - _length < bytes.Length)
        {
            Array.Resize(ref _canonical, Math.Max(_canonical.Length * 2, _length + bytes.Length));
        }

        bytes.CopyTo(_canonical.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Number(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        Append(digits[..written]);
    }

    private void String(Field field)
    {
        if (TryGetField(field, out var value))
        {
            Utf8String(value);
        }
        else
        {
            Append("null"u8);
        }
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
