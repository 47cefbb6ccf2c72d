using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using McpGuard.Core.Secrets;

namespace McpGuard.Audit;

/// <summary>
/// Turns an event into the form every store commits, hashes and inserts: the record's eleven fields in table order
/// (<see cref="AuditRecordFields"/>), redacted, as UTF-8. Built once per event on the appender's thread; the journal
/// writes these bytes as they are, and the import hashes and binds them without decoding them to strings.
/// One instance per thread of use (not thread-safe); the returned bytes are valid until the next call.
/// </summary>
internal sealed class AuditRecordEncoder
{
    // Readable details (no \u003C for '<'); the text is stored and hashed as is, never re-serialised.
    private static readonly JsonWriterOptions s_detailsOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly ArrayBufferWriter<byte> _output = new(512);
    private readonly Utf8JsonWriter _details;

    public AuditRecordEncoder()
    {
        _details = new Utf8JsonWriter(_output, s_detailsOptions);
    }

    /// <summary>The event's record fields, with the request id, reason, arguments and details redacted.</summary>
    public ReadOnlyMemory<byte> Encode(AuditEvent e, ISecretRedactor redactor)
    {
        _output.ResetWrittenCount();
        Time(e.Time);
        String(e.Kind);
        String(e.Server);
        String(e.Direction);
        String(e.Method);
        String(e.Tool);
        String(e.RequestId is null ? null : redactor.Redact(e.RequestId));
        String(e.Decision);
        String(e.Reason is null ? null : redactor.Redact(e.Reason));
        String(e.RuleId);
        if (e.Details is null && e.Bytes is null && e.Arguments is null)
        {
            Length(-1);
        }
        else
        {
            Details(e, redactor);
        }

        return _output.WrittenMemory;
    }

    /// <summary>A stored record's fields (for re-hashing it in verification and tests).</summary>
    public ReadOnlyMemory<byte> Encode(AuditRecord r)
    {
        _output.ResetWrittenCount();
        String(r.Time);
        String(r.Kind);
        String(r.Server);
        String(r.Direction);
        String(r.Method);
        String(r.Tool);
        String(r.RequestId);
        String(r.Decision);
        String(r.Reason);
        String(r.RuleId);
        String(r.Details);
        return _output.WrittenMemory;
    }

    // Straight to UTF-8, no string: the same text as AuditCanonicalForm.FormatTime ("O" of the UTC time).
    private void Time(DateTimeOffset time)
    {
        var span = _output.GetSpan(4 + 64);
        time.UtcDateTime.TryFormat(span[4..], out var written, "O", System.Globalization.CultureInfo.InvariantCulture);
        BinaryPrimitives.WriteInt32LittleEndian(span, written);
        _output.Advance(4 + written);
    }

    private void Length(int length) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), length);

    private Span<byte> Take(int count)
    {
        var span = _output.GetSpan(count)[..count];
        _output.Advance(count);
        return span;
    }

    // Lone surrogates become U+FFFD (Encoding.UTF8's replacement), so what is hashed is what SQLite stores (and what
    // the string form hashes to: AuditCanonicalFormTests).
    private void String(string? value)
    {
        if (value is null)
        {
            Length(-1);
            return;
        }

        var span = _output.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, written);
        _output.Advance(4 + written);
    }

    private void Details(AuditEvent e, ISecretRedactor redactor)
    {
        var lengthAt = _output.WrittenCount;
        Length(0);
        _details.Reset(_output);
        _details.WriteStartObject();
        if (e.Bytes is { } bytes)
        {
            _details.WriteNumber("bytes"u8, bytes);
        }

        if (e.Arguments is { } arguments)
        {
            redactor.WriteRedactedMember(_details, "arguments", arguments);
        }

        if (e.Details is not null)
        {
            foreach (var (key, value) in e.Details)
            {
                if ((e.Bytes is not null && key == "bytes") || (e.Arguments is not null && key == "arguments"))
                {
                    continue;
                }

                redactor.WriteRedactedMember(_details, key, value);
            }
        }

        _details.WriteEndObject();
        _details.Flush();
        var length = _output.WrittenCount - lengthAt - 4;
        BinaryPrimitives.WriteInt32LittleEndian(MemoryMarshal.AsMemory(_output.WrittenMemory).Span[lengthAt..], length);
    }
}

/// <summary>
/// The layout of an encoded record: for each field in table order, a little-endian 32-bit length (-1 for null) and
/// that many bytes of UTF-8. <see cref="TryParse"/> is the one reader of it.
/// </summary>
internal static class AuditRecordFields
{
    /// <summary>The record's fields, in table (and encoding) order.</summary>
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
        Details,
    }

    public const int Count = (int)Field.Details + 1;

    /// <summary>
    /// Fills <paramref name="ranges"/> (one per field: start and length, length -1 for null) from
    /// <paramref name="payload"/>; false when the bytes are not a whole record (a damaged journal).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, Span<(int Start, int Length)> ranges)
    {
        var at = 0;
        for (var i = 0; i < Count; i++)
        {
            if (payload.Length - at < 4)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
            at += 4;
            if (length < -1 || length > payload.Length - at)
            {
                return false;
            }

            ranges[i] = (at, length);
            at += Math.Max(length, 0);
        }

        // Required fields (time, kind, decision) are never null in a record the encoder wrote.
        return at == payload.Length
            && ranges[(int)Field.Time].Length >= 0
            && ranges[(int)Field.Kind].Length >= 0
            && ranges[(int)Field.Decision].Length >= 0;
    }
}
