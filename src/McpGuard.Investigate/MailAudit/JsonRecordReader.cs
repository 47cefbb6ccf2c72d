using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using McpGuard.Core;

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

        // Arrays and whole documents go through the streaming deserializer: one element (or one top-level
        // document) in memory at a time.
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
