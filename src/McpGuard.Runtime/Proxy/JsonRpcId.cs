using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// A JSON-RPC id: an integer (the common case, no allocation), a string, or other number text kept verbatim.
/// Ids compare by kind and value, so "1" (string) and 1 (number) are different requests as in JSON-RPC.
/// </summary>
public readonly record struct JsonRpcId
{
    private readonly long _number;
    private readonly string? _text;
    private readonly bool _isString;

    private JsonRpcId(long number, string? text, bool isString)
    {
        _number = number;
        _text = text;
        _isString = isString;
    }

    public static JsonRpcId FromNumber(long number) => new(number, null, false);

    public static JsonRpcId FromString(string text) => new(0, text, true);

    public bool IsString => _isString;

    /// <summary>Reads the id at the reader's current token (String or Number); false for any other token.</summary>
    internal static bool TryRead(ref Utf8JsonReader reader, out JsonRpcId id)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                id = FromString(reader.GetString()!);
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var n):
                id = FromNumber(n);
                return true;
            case JsonTokenType.Number:
                id = new JsonRpcId(0, System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan), false);
                return true;
            default:
                id = default;
                return false;
        }
    }

    internal static bool TryFrom(JsonElement element, out JsonRpcId id)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                id = FromString(element.GetString()!);
                return true;
            case JsonValueKind.Number when element.TryGetInt64(out var n):
                id = FromNumber(n);
                return true;
            case JsonValueKind.Number:
                id = new JsonRpcId(0, element.GetRawText(), false);
                return true;
            default:
                id = default;
                return false;
        }
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (_isString)
        {
            writer.WriteStringValue(_text);
        }
        else if (_text is not null)
        {
            writer.WriteRawValue(_text);
        }
        else
        {
            writer.WriteNumberValue(_number);
        }
    }

    /// <summary>The id as text for the audit log and the in-flight registry.</summary>
    public override string ToString() => _isString ? _text! : _text ?? _number.ToString(CultureInfo.InvariantCulture);
}
