using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace McpGuard.Audit;

/// <summary>
/// The JSON Lines export: one record per line with every canonical field (details as the exact JSON text that was
/// hashed), plus "prevHash" and "entryHash", so anyone can re-verify the chain without McpGuard (docs/audit.md).
/// </summary>
public static class AuditJsonl
{
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonDocumentOptions s_readOptions = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    /// <summary>Writes <paramref name="records"/> as JSON Lines (UTF-8) to a stream; returns the number written.</summary>
    public static long Write(IEnumerable<AuditRecord> records, Stream output) =>
        WriteLines(records, line =>
        {
            output.Write(line);
            output.WriteByte((byte)'\n');
        });

    /// <summary>Writes <paramref name="records"/> as JSON Lines to a text writer (stdout), streaming line by line.</summary>
    public static long Write(IEnumerable<AuditRecord> records, TextWriter output) =>
        WriteLines(records, line =>
        {
            output.Write(Encoding.UTF8.GetString(line));
            output.Write('\n');
        });

    private static long WriteLines(IEnumerable<AuditRecord> records, Action<ReadOnlySpan<byte>> emit)
    {
        long n = 0;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using var writer = new Utf8JsonWriter(buffer, s_writerOptions);
        foreach (var r in records)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteNumber("seq", r.Seq);
            writer.WriteString("time", r.Time);
            writer.WriteString("kind", r.Kind);
            writer.WriteString("server", r.Server);
            writer.WriteString("direction", r.Direction);
            writer.WriteString("method", r.Method);
            writer.WriteString("tool", r.Tool);
            writer.WriteString("requestId", r.RequestId);
            writer.WriteString("decision", r.Decision);
            writer.WriteString("reason", r.Reason);
            writer.WriteString("ruleId", r.RuleId);
            writer.WriteString("details", r.Details);
            writer.WriteString("prevHash", r.PrevHash);
            writer.WriteString("entryHash", r.EntryHash);
            writer.WriteEndObject();
            writer.Flush();
            emit(buffer.WrittenSpan);
            n++;
        }

        return n;
    }

    /// <summary>Reads an export back. A malformed line throws <see cref="Core.UserInputException"/> naming the line.</summary>
    public static IEnumerable<AuditRecord> Read(TextReader reader, string fileName)
    {
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return Parse(line, fileName, lineNumber);
        }
    }

    private static AuditRecord Parse(string line, string fileName, int lineNumber)
    {
        try
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(line), s_readOptions);
            var o = doc.RootElement;
            string? S(string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            string R(string name) => S(name) ?? throw new FormatException($"\"{name}\" is missing");
            return new AuditRecord
            {
                Seq = o.GetProperty("seq").GetInt64(),
                Time = R("time"),
                Kind = R("kind"),
                Server = S("server"),
                Direction = S("direction"),
                Method = S("method"),
                Tool = S("tool"),
                RequestId = S("requestId"),
                Decision = R("decision"),
                Reason = S("reason"),
                RuleId = S("ruleId"),
                Details = S("details"),
                PrevHash = R("prevHash"),
                EntryHash = R("entryHash"),
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new Core.UserInputException($"{fileName} line {lineNumber} is not an audit export record ({ex.Message}).", ex);
        }
    }
}
