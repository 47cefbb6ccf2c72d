using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using McpGuard.Core;
using McpGuard.Core.IO;

namespace McpGuard.Investigate.MailAudit;

/// <summary>One JSON record and the line it started on (1-based; 0 when unknown, inside a streamed array).</summary>
internal readonly record struct JsonRecord(JsonElement Element, long Line);

/// <summary>
/// Reads the JSON shapes providers export, streaming: JSON lines (Firehose, most event exports; a bad line is
/// skipped and reported), a top-level array (streamed element by element), or one or more whole documents (a
/// saved API response such as {"Messages": [...]}, {"items": [...]}, an SNS notification). Objects that wrap a
/// list in one of <paramref name="containers"/> are unwrapped.
/// </summary>
internal static class JsonRecordReader
{
    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    private static readonly JsonSerializerOptions s_serializerOptions = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    // Source-generated metadata for JsonElement with the options above: no reflection, so Native AOT works.
    private static readonly JsonTypeInfo<JsonElement> s_elementInfo = new JsonRecordJsonContext(s_serializerOptions).JsonElement;

    /// <summary>
    /// Each yielded element is valid until the next MoveNext (JSON lines reuse one pooled document per line), so
    /// map it to a record before asking for the next one.
    /// </summary>
    public static async IAsyncEnumerable<JsonRecord> ReadAsync(
        string path,
        MailReadContext context,
        IReadOnlyList<string> containers,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var mode = DetectMode(path);
        var yielded = 0L;
        if (mode == Mode.Lines)
        {
            using var stream = InputFiles.OpenSequential(path);
            using var reader = new StreamReader(stream);
            long lineNumber = 0;
            // Synchronous reads: a local file behind a 64 KB buffer; per-line async state machines cost ~15% here.
            while (reader.ReadLine() is { } line)
            {
                cancellationToken.ThrowIfCancellationRequested();
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                JsonDocument doc;
                try
                {
                    doc = JsonDocument.Parse(line, s_documentOptions);
                }
                catch (JsonException ex)
                {
                    context.Skip(path, lineNumber, $"malformed JSON line skipped: {ex.Message}");
                    continue;
                }

                using (doc)
                {
                    context.BytesRead = stream.Position;
                    foreach (var e in Unwrap(doc.RootElement, containers))
                    {
                        yielded++;
                        yield return new JsonRecord(e, lineNumber);
                    }
                }
            }

            yield break;
        }

        if (mode == Mode.Documents && new FileInfo(path).Length <= MaxInMemoryDocumentBytes)
        {
            foreach (var record in ReadDocuments(path, context, containers, cancellationToken))
            {
                yield return record;
            }

            yield break;
        }

        // Arrays (and documents too large to hold) go through the streaming deserializer: one element (or one
        // top-level document) in memory at a time.
        using (var stream = InputFiles.OpenSequential(path))
        {
            var items = mode == Mode.Array
                ? JsonSerializer.DeserializeAsyncEnumerable(stream, s_elementInfo, cancellationToken)
                : JsonSerializer.DeserializeAsyncEnumerable(stream, s_elementInfo, topLevelValues: true, cancellationToken);
            await using var e = items.GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                JsonElement current;
                try
                {
                    if (!await e.MoveNextAsync())
                    {
                        break;
                    }

                    current = e.Current;
                }
                catch (JsonException ex)
                {
                    // A cut or corrupt file: what came before is audited, the rest cannot be located reliably.
                    if (yielded == 0)
                    {
                        throw new UserInputException($"--input {path}: malformed JSON (line {(ex.LineNumber ?? 0) + 1}): {FirstSentence(ex.Message)}", ex);
                    }

                    context.Skip(path, (ex.LineNumber ?? 0) + 1, $"malformed JSON; the rest of the file after this point was skipped: {FirstSentence(ex.Message)}");
                    break;
                }

                context.BytesRead = stream.Position;
                foreach (var item in Unwrap(current, containers))
                {
                    yielded++;
                    yield return new JsonRecord(item, 0);
                }
            }
        }
    }

    /// <summary>
    /// Whole documents up to this size are read into one buffer and parsed with <see cref="JsonDocument"/>: a saved API
    /// response is one top-level value, so streaming could not hold less anyway, and the serializer's buffering of a
    /// single huge value cost ~4x the parse. 1 GiB keeps the buffer well inside an array's limit.
    /// </summary>
    private const long MaxInMemoryDocumentBytes = 1L << 30;

    /// <summary>One or more concatenated top-level documents; each is bounded with a reader pass, then parsed strictly.</summary>
    private static IEnumerable<JsonRecord> ReadDocuments(string path, MailReadContext context, IReadOnlyList<string> containers, CancellationToken cancellationToken)
    {
        var bytes = InputFile.ReadAllBytes(path, MaxInMemoryDocumentBytes, "--input");

        var memory = bytes.AsMemory();
        if (memory.Span.StartsWith(System.Text.Encoding.UTF8.Preamble))
        {
            memory = memory[3..];
        }

        var yielded = 0L;
        var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowMultipleValues = true });
        long position = 0, linesBefore = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadOnlyMemory<byte> value;
            long line;
            try
            {
                if (!NextValue(memory, ref state, ref position, ref linesBefore, out value, out line))
                {
                    break;
                }
            }
            catch (JsonException ex)
            {
                // The reader starts at the previous value's end, so its line numbers count from there.
                var at = linesBefore + (ex.LineNumber ?? 0) + 1;
                if (yielded == 0)
                {
                    throw new UserInputException($"--input {path}: malformed JSON (line {at}): {FirstSentence(ex.Message)}", ex);
                }

                context.Skip(path, at, $"malformed JSON; the rest of the file after this point was skipped: {FirstSentence(ex.Message)}");
                break;
            }

            JsonDocument doc;
            try
            {
                // The strict parse (duplicate keys rejected) of exactly the value the reader bounded.
                doc = JsonDocument.Parse(value, s_documentOptions);
            }
            catch (JsonException ex)
            {
                if (yielded == 0)
                {
                    throw new UserInputException($"--input {path}: malformed JSON (document at line {line}): {FirstSentence(ex.Message)}", ex);
                }

                context.Skip(path, line, $"malformed JSON document skipped: {FirstSentence(ex.Message)}");
                continue;
            }

            using (doc)
            {
                context.BytesRead = position;
                foreach (var item in Unwrap(doc.RootElement, containers))
                {
                    yielded++;
                    yield return new JsonRecord(item, 0);
                }
            }
        }
    }

    /// <summary>The next top-level value's bytes and its 1-based line; false at the end. Throws JsonException on bad JSON.</summary>
    private static bool NextValue(ReadOnlyMemory<byte> all, ref JsonReaderState state, ref long position, ref long linesBefore, out ReadOnlyMemory<byte> value, out long line)
    {
        var reader = new Utf8JsonReader(all.Span[(int)position..], isFinalBlock: true, state);
        value = default;
        line = 0;
        if (!reader.Read())
        {
            return false;
        }

        var start = position + reader.TokenStartIndex;
        linesBefore += all.Span[(int)position..(int)start].Count((byte)'\n');
        line = linesBefore + 1;
        reader.Skip();
        var end = position + reader.BytesConsumed;
        value = all[(int)start..(int)end];
        linesBefore += value.Span.Count((byte)'\n');
        position = end;
        state = reader.CurrentState;
        return true;
    }

    private static IEnumerable<JsonElement> Unwrap(JsonElement root, IReadOnlyList<string> containers)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in root.EnumerateArray())
            {
                yield return item;
            }

            yield break;
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in containers)
            {
                if (root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in list.EnumerateArray())
                    {
                        yield return item;
                    }

                    yield break;
                }
            }
        }

        yield return root;
    }

    private enum Mode
    {
        Lines,
        Array,
        Documents,
    }

    /// <summary>JSON lines when the first non-blank line is a complete JSON value; an array when it opens with '['.</summary>
    private static Mode DetectMode(string path)
    {
        using var reader = new StreamReader(InputFiles.OpenSequential(path));
        string? line;
        while ((line = reader.ReadLine()) is not null && string.IsNullOrWhiteSpace(line))
        {
        }

        if (line is null)
        {
            return Mode.Lines;
        }

        // A first line that is complete JSON means JSON lines, even when each line is an array (one webhook
        // batch per line); a first line that is only the start of an array means one streamed array.
        try
        {
            using var _ = JsonDocument.Parse(line, s_documentOptions);
            return Mode.Lines;
        }
        catch (JsonException)
        {
            return line.TrimStart().StartsWith('[') ? Mode.Array : Mode.Documents;
        }
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..(i + 1)] : message;
    }

    // Small helpers shared by the JSON sources.
    public static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool TryObject(JsonElement e, string name, out JsonElement value)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Adds addresses from a string, an array of strings, or an array of {"Email": ...} objects.</summary>
    public static void AddAddresses(List<MailRecipient> into, JsonElement e, string name, RecipientRole role)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            return;
        }

        AddAddresses(into, v, role);
    }

    public static void AddAddresses(List<MailRecipient> into, JsonElement v, RecipientRole role)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                MailAddresses.AddAll(into, v.GetString(), role);
                break;
            case JsonValueKind.Array:
                foreach (var item in v.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        MailAddresses.AddAll(into, item.GetString(), role);
                    }
                    else if ((String(item, "Email") ?? String(item, "email")) is { } email)
                    {
                        MailAddresses.AddAll(into, email, role);
                    }
                }

                break;
        }
    }

    public static IEnumerable<string> Strings(JsonElement e, string name)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v))
        {
            if (v.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in v.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && item.GetString() is { } s)
                    {
                        yield return s;
                    }
                    else if ((String(item, "Email") ?? String(item, "email")) is { } email)
                    {
                        yield return email;
                    }
                }
            }
            else if (v.ValueKind == JsonValueKind.String && v.GetString() is { } s)
            {
                foreach (var part in s.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    yield return part;
                }
            }
        }
    }
}

/// <summary>Source-generated serializer metadata for the streaming reader (Native AOT has no reflection fallback).</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class JsonRecordJsonContext : JsonSerializerContext;
