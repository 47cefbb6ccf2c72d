using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.Core.Tools;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>A tool read from a file, with the 1-based line its definition starts on.</summary>
public sealed record LoadedTool(ToolDefinition Tool, int Line);

/// <summary>
/// Reads saved tool definitions: a tools/list result (<c>{"tools":[...]}</c>), a whole JSON-RPC response
/// (<c>{"result":{"tools":[...]}}</c>), a JSON array of tools, or JSONL with one tool per line.
/// Bad input throws <see cref="UserInputException"/> naming the file and line.
/// </summary>
public static class ToolDefinitionsFile
{
    /// <summary>A saved tools/list of thousands of tools is a few MB; 64 MB leaves room and stops accidental huge inputs.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
        MaxDepth = 256,
    };

    public static IReadOnlyList<LoadedTool> Load(string path)
    {
        var bytes = InputFile.ReadAllBytes(path, MaxFileBytes, "--tools");
        return Parse(bytes, path);
    }

    /// <summary>Parses file content; <paramref name="name"/> is used in error messages.</summary>
    public static IReadOnlyList<LoadedTool> Parse(ReadOnlySpan<byte> utf8, string name)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8 = utf8[3..];
        }

        var first = FirstSignificantByte(utf8);
        if (first < 0)
        {
            throw new UserInputException($"{name}: the file is empty; expected a tools/list result, a JSON array of tools or JSONL.");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
        }
        catch (JsonException) when (utf8[first] == (byte)'{' && LooksLikeJsonLines(utf8))
        {
            return ParseJsonLines(utf8, name);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{name}:{(ex.LineNumber ?? 0) + 1}: not valid JSON ({FirstSentence(ex.Message)}).", ex);
        }

        var (array, arrayPath) = root switch
        {
            JsonArray a => (a, (string[])[]),
            JsonObject o when o["tools"] is JsonArray a => (a, ["tools"]),
            JsonObject o when o["result"] is JsonObject r && r["tools"] is JsonArray a => (a, ["result", "tools"]),
            JsonObject o when o["error"] is not null => throw new UserInputException($"{name}:1: the file holds a JSON-RPC error response, not a tools/list result."),
            JsonObject o when o["name"] is not null => (new JsonArray(), (string[])[]),
            _ => throw new UserInputException($"{name}:1: expected {{\"tools\":[...]}}, {{\"result\":{{\"tools\":[...]}}}}, a JSON array of tools or JSONL (one tool per line)."),
        };

        if (root is JsonObject single && array.Count == 0 && single["name"] is not null)
        {
            // A JSONL file with exactly one line is also a single JSON object.
            return [new LoadedTool(ToTool(single, name, 1, 0), LineOf(utf8, first))];
        }

        var lines = ElementLines(utf8, arrayPath);
        var tools = new List<LoadedTool>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var line = i < lines.Count ? lines[i] : 1;
            tools.Add(new LoadedTool(ToTool(array[i], name, line, i), line));
        }

        return tools;
    }

    private static List<LoadedTool> ParseJsonLines(ReadOnlySpan<byte> utf8, string name)
    {
        var tools = new List<LoadedTool>();
        var lineNo = 0;
        var rest = utf8;
        while (rest.Length > 0)
        {
            lineNo++;
            var nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? [] : rest[(nl + 1)..];
            if (FirstSignificantByte(line) < 0)
            {
                continue;
            }

            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line, documentOptions: DocumentOptions);
            }
            catch (JsonException ex)
            {
                throw new UserInputException($"{name}:{lineNo}: not valid JSON ({FirstSentence(ex.Message)}).", ex);
            }

            tools.Add(new LoadedTool(ToTool(node, name, lineNo, tools.Count), lineNo));
        }

        return tools;
    }

    /// <summary>
    /// The tools of a live tools/list result (<c>{"tools":[...]}</c>), for the proxy. Entries that are not valid tool
    /// objects come back in <paramref name="invalid"/> by index so the caller can decide (the proxy should hide them:
    /// a tool McpGuard cannot read is a tool it cannot vouch for).
    /// </summary>
    public static IReadOnlyList<ToolDefinition> FromToolsListResult(JsonNode? result, out IReadOnlyList<int> invalid)
    {
        var tools = new List<ToolDefinition>();
        var bad = new List<int>();
        invalid = bad;
        if (result?["tools"] is not JsonArray array)
        {
            return tools;
        }

        for (var i = 0; i < array.Count; i++)
        {
            try
            {
                tools.Add(ToTool(array[i], "tools/list", 1, i));
            }
            catch (UserInputException)
            {
                bad.Add(i);
            }
        }

        return tools;
    }

    private static ToolDefinition ToTool(JsonNode? node, string file, int line, int index)
    {
        if (node is not JsonObject obj)
        {
            throw new UserInputException($"{file}:{line}: tool #{index + 1} is not a JSON object.");
        }

        if (obj["name"] is not JsonValue nv || nv.GetValueKind() != JsonValueKind.String || nv.GetValue<string>().Length == 0)
        {
            throw new UserInputException($"{file}:{line}: tool #{index + 1} has no \"name\" string.");
        }

        var description = OptionalString(obj, "description", file, line, index);
        var title = OptionalString(obj, "title", file, line, index);
        var schema = obj["inputSchema"];
        if (schema is not null and not JsonObject)
        {
            throw new UserInputException($"{file}:{line}: tool #{index + 1} has an \"inputSchema\" that is not an object.");
        }

        return new ToolDefinition(nv.GetValue<string>(), description, schema?.DeepClone(), title);
    }

    private static string? OptionalString(JsonObject obj, string key, string file, int line, int index) => obj[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new UserInputException($"{file}:{line}: tool #{index + 1} has a \"{key}\" that is not a string."),
    };

    /// <summary>The 1-based line where each element of the array at <paramref name="path"/> starts.</summary>
    private static List<int> ElementLines(ReadOnlySpan<byte> utf8, string[] path)
    {
        var lines = new List<int>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var matched = 0;
        string? pendingProperty = null;
        var arrayDepth = -1;
        while (reader.Read())
        {
            if (arrayDepth < 0)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject when reader.CurrentDepth == 0:
                        break;
                    case JsonTokenType.PropertyName:
                        pendingProperty = reader.GetString();
                        break;
                    case JsonTokenType.StartArray when matched == path.Length && reader.CurrentDepth == path.Length:
                        arrayDepth = reader.CurrentDepth;
                        break;
                    case JsonTokenType.StartObject when matched < path.Length && reader.CurrentDepth == matched + 1 && pendingProperty == path[matched]:
                        matched++;
                        break;
                    case JsonTokenType.StartArray when matched < path.Length && reader.CurrentDepth == matched + 1 && pendingProperty == path[matched] && matched == path.Length - 1:
                        arrayDepth = reader.CurrentDepth;
                        break;
                    default:
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }

                        break;
                }

                continue;
            }

            if (reader.CurrentDepth == arrayDepth + 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
            {
                lines.Add(LineOf(utf8, (int)reader.TokenStartIndex));
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
            else if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == arrayDepth)
            {
                break;
            }
        }

        return lines;
    }

    private static int LineOf(ReadOnlySpan<byte> utf8, int offset) => utf8[..offset].Count((byte)'\n') + 1;

    private static int FirstSignificantByte(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Several non-empty lines, the first an object: JSONL (each line is then parsed and judged on its own).</summary>
    private static bool LooksLikeJsonLines(ReadOnlySpan<byte> utf8)
    {
        var lines = 0;
        foreach (var range in utf8.Split((byte)'\n'))
        {
            if (FirstSignificantByte(utf8[range]) >= 0 && ++lines > 1)
            {
                return true;
            }
        }

        return false;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }
}
