using System.Text;
using System.Text.Json;

namespace McpGuard.Verify.Discovery;

/// <summary>
/// The 1-based line of every object key in a JSON(C) text, by key path. JsonDocument keeps no positions, so one
/// extra pass of Utf8JsonReader (which does) records them, letting findings point at the exact server entry.
/// </summary>
internal sealed class JsonKeyLines
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private JsonKeyLines()
    {
    }

    public int? Line(params string[] path) => _lines.TryGetValue(string.Join('\u0001', path), out var l) ? l : null;

    public static JsonKeyLines Build(string text, JsonReaderOptions options)
    {
        var result = new JsonKeyLines();
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, options);
        var stack = new List<string>();
        string? pending = null;
        int line = 1;
        long counted = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        for (; counted < reader.TokenStartIndex; counted++)
                        {
                            if (bytes[counted] == (byte)'\n')
                            {
                                line++;
                            }
                        }

                        // stack[0] is the root value, which has no key.
                        pending = reader.GetString();
                        result._lines.TryAdd(string.Join('\u0001', stack.Skip(1).Append(pending!)), line);
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        stack.Add(pending ?? "[]");
                        pending = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        pending = null;
                        break;
                    default:
                        pending = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // The document parse reports the error; positions found before it are still useful.
        }

        return result;
    }
}
