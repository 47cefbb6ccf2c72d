using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Core.Json;

/// <summary>
/// RFC 8785-style canonical JSON (JCS): object members sorted by their UTF-16 code units, no whitespace,
/// minimal string escaping, numbers in their shortest round-trip form. Pins hash this form, never wire bytes,
/// because any proxy or SDK on the way may reorder keys or change whitespace without changing meaning.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Serialize(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public static string SerializeToString(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, value);
                }

                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    Write(sb, array[i]);
                }

                sb.Append(']');
                break;
            case JsonValue value:
                WriteValue(sb, value);
                break;
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        var element = value.GetValueKind();
        switch (element)
        {
            case JsonValueKind.String:
                WriteString(sb, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Number:
                WriteNumber(sb, value);
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void WriteNumber(StringBuilder sb, JsonValue value)
    {
        // JCS uses the ECMAScript number-to-string algorithm on IEEE doubles. Integers that fit print as
        // integers; other values use the shortest round-trip form with JavaScript's exponent style.
        var d = value.TryGetValue<double>(out var direct) ? direct : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
        if (double.IsNaN(d) || double.IsInfinity(d))
        {
            throw new JsonException("NaN and Infinity have no canonical JSON form.");
        }

        if (d == Math.Floor(d) && Math.Abs(d) < 1e21)
        {
            sb.Append(d.ToString("F0", CultureInfo.InvariantCulture) is "-0" ? "0" : d.ToString("F0", CultureInfo.InvariantCulture));
            return;
        }

        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            // .NET prints 1E-07 / 1E+21; JavaScript prints 1e-7 / 1e+21.
            var mantissa = r[..e];
            var exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            r = mantissa + "e" + (exponent >= 0 ? "+" : "-") + Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
        }

        sb.Append(r);
    }

    /// <summary>Appends <paramref name="s"/> as a JCS string: only quote, backslash and control characters are escaped.</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
