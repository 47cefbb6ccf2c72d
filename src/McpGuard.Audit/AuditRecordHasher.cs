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

    // The record's text fields as UTF-8, encoded once per record: the canonical form and the SQLite binds both read them.
    private readonly ArrayBufferWriter<byte> _fields = new(512);
    private readonly (int Start, int Length)[] _ranges = new (int, int)[FieldCount];

    /// <summary>The text columns of a record, in table order.</summary>
    public enum Field
    {
        Time,
        Kind,
        Server,
        Direction,
        Method,
        Tool,
        RequestId,
        Decision,
        Reason,
        RuleId,
    }

    private const int FieldCount = (int)Field.RuleId + 1;

    /// <summary>
    /// SHA-256(prev ‖ canonical form) of the record into <paramref name="hash"/> (32 bytes). Afterwards
    /// <see cref="TryGetField"/> returns the record's fields as UTF-8 until the next call.
    /// </summary>
    public void Hash(ReadOnlySpan<byte> prev, PreparedAuditRecord r, long seq, Span<byte> hash)
    {
        Encode(r);
        _canonical.ResetWrittenCount();
        Append(prev);
        // Keys in code-point order; AuditCanonicalFormTests pin the order and the escaping against the string form.
        Append("{\"decision\":"u8); String(Field.Decision);
        Append(",\"details\":"u8); Utf8String(r.Details);
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
        SHA256.HashData(_canonical.WrittenSpan, hash);
    }

    /// <summary>The UTF-8 of a field of the last hashed record; false when the field is null.</summary>
    public bool TryGetField(Field field, out ReadOnlySpan<byte> value)
    {
        var (start, length) = _ranges[(int)field];
        value = length < 0 ? default : _fields.WrittenSpan.Slice(start, length);
        return length >= 0;
    }

    /// <summary>The canonical form of the last <see cref="Hash"/> call, without the prev-hash prefix (tests).</summary>
    internal string LastCanonicalText => Encoding.UTF8.GetString(_canonical.WrittenSpan[32..]);

    // Lone surrogates become U+FFFD (Encoding.UTF8's replacement), as AuditCanonicalForm.Sanitize does, so what is
    // hashed is what SQLite stores.
    private void Encode(PreparedAuditRecord r)
    {
        _fields.ResetWrittenCount();
        Put(Field.Time, r.Time);
        Put(Field.Kind, r.Kind);
        Put(Field.Server, r.Server);
        Put(Field.Direction, r.Direction);
        Put(Field.Method, r.Method);
        Put(Field.Tool, r.Tool);
        Put(Field.RequestId, r.RequestId);
        Put(Field.Decision, r.Decision);
        Put(Field.Reason, r.Reason);
        Put(Field.RuleId, r.RuleId);
    }

    private void Put(Field field, string? value)
    {
        if (value is null)
        {
            _ranges[(int)field] = (0, -1);
            return;
        }

        var start = _fields.WrittenCount;
        var written = Encoding.UTF8.GetBytes(value, _fields.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length)));
        _fields.Advance(written);
        _ranges[(int)field] = (start, written);
    }

    private void Append(ReadOnlySpan<byte> bytes) => _canonical.Write(bytes);

    private void Number(long value)
    {
        var span = _canonical.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _canonical.Advance(written);
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
