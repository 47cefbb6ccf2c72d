using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Core.Secrets;

/// <summary>
/// Replaces secrets with "[REDACTED:kind]" markers in text and in JSON trees. Built on <see cref="SecretDetector"/>;
/// stateless and thread-safe. Redacting twice gives the same result as redacting once.
/// </summary>
public sealed class SecretRedactor : ISecretRedactor
{
    private readonly SecretDetector _detector;

    public SecretRedactor()
        : this(SecretDetector.Default)
    {
    }

    public SecretRedactor(SecretDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        _detector = detector;
    }

    public static string Marker(string kind) => $"[REDACTED:{kind}]";

    /// <inheritdoc />
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = _detector.Find(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var at = 0;
        foreach (var m in matches)
        {
            sb.Append(text, at, m.Index - at).Append(Marker(m.Kind));
            at = m.Index + m.Length;
        }

        return sb.Append(text, at, text.Length - at).ToString();
    }

    /// <inheritdoc />
    public bool ContainsSecret(string text) => _detector.ContainsSecret(text);

    /// <inheritdoc />
    public void RedactInPlace(JsonNode? node)
    {
        if (node is null)
        {
            return;
        }

        // Explicit stack: a deeply nested hostile payload must not overflow the call stack of the audit writer.
        var stack = new Stack<(JsonNode Node, bool UnderSecretName)>();
        stack.Push((node, false));
        var replacements = new List<(JsonNode Parent, string? Key, int Index, JsonNode? Value)>();
        while (stack.Count > 0)
        {
            var (current, secretContext) = stack.Pop();
            switch (current)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        var secretName = SecretDetector.IsSecretName(key);
                        if (value is JsonValue v)
                        {
                            var replaced = RedactValue(v, secretName);
                            if (replaced is not null)
                            {
                                replacements.Add((obj, key, -1, replaced));
                            }
                        }
                        else if (value is not null)
                        {
                            stack.Push((value, secretName));
                        }
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JsonValue v)
                        {
                            var replaced = RedactValue(v, secretContext);
                            if (replaced is not null)
                            {
                                replacements.Add((array, null, i, replaced));
                            }
                        }
                        else if (array[i] is { } child)
                        {
                            // Arrays directly under a secret name ("tokens": ["...", "..."]) stay secret; objects inside
                            // them are judged by their own keys.
                            stack.Push((child, secretContext && child is JsonArray));
                        }
                    }

                    break;
                case JsonValue:
                    // A bare value root cannot be replaced in place; the caller should pass its container.
                    break;
                default:
                    break;
            }
        }

        foreach (var (parent, key, index, value) in replacements)
        {
            if (parent is JsonObject o)
            {
                o[key!] = value;
            }
            else if (parent is JsonArray a)
            {
                a[index] = value;
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="node"/> with the redactions <see cref="RedactInPlace"/> would make, leaving the node
    /// untouched (no copy of the tree).
    /// </summary>
    public void WriteRedacted(Utf8JsonWriter writer, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Write(writer, node, secretContext: false);
    }

    /// <inheritdoc />
    public void WriteRedactedMember(Utf8JsonWriter writer, string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(name);
        writer.WritePropertyName(name);
        WriteMemberValue(writer, value, SecretDetector.IsSecretName(name));
    }

    // The same judgement as RedactInPlace, made while writing: object members by their own key, array items by the
    // key above the array (nested arrays keep it, objects inside are judged by their keys).
    private void Write(Utf8JsonWriter writer, JsonNode? node, bool secretContext)
    {
        // Trees come from parsed messages (depth-limited) or from our own code; a hostile depth fails closed here.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj)
                {
                    writer.WritePropertyName(key);
                    WriteMemberValue(writer, value, SecretDetector.IsSecretName(key));
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    if (item is JsonValue v)
                    {
                        WriteValue(writer, v, secretContext);
                    }
                    else
                    {
                        Write(writer, item, secretContext && item is JsonArray);
                    }
                }

                writer.WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(writer, value, secretContext);
                break;
        }
    }

    private void WriteMemberValue(Utf8JsonWriter writer, JsonNode? value, bool secretName)
    {
        if (value is JsonValue v)
        {
            WriteValue(writer, v, secretName);
        }
        else
        {
            Write(writer, value, secretName);
        }
    }

    private void WriteValue(Utf8JsonWriter writer, JsonValue value, bool underSecretName)
    {
        if (RedactValue(value, underSecretName) is { } replaced)
        {
            replaced.WriteTo(writer);
        }
        else
        {
            value.WriteTo(writer);
        }
    }

    /// <summary>The replacement for a JSON value, or null to keep it.</summary>
    private JsonValue? RedactValue(JsonValue value, bool underSecretName) => value.GetValueKind() switch
    {
        JsonValueKind.String => Replacement(value.GetValue<string>(), underSecretName) is { } replaced ? JsonValue.Create(replaced) : null,
        // Numeric PINs and one-time codes are secrets too when the field says so.
        JsonValueKind.Number when underSecretName => JsonValue.Create(Marker("secret-field")),
        _ => null,
    };

    /// <summary>The text to write instead of a string value, or null to keep it.</summary>
    private string? Replacement(string text, bool underSecretName)
    {
        // Under a secret name every real value goes, however short; only references to secrets kept
        // elsewhere ("${TOKEN}") and empty strings stay, because they reveal nothing and help debugging.
        if (underSecretName && !string.IsNullOrWhiteSpace(text) && !SecretDetector.IsReference(text))
        {
            return _detector.Classify(null, text) is { } kind ? Marker(kind) : Marker("secret-field");
        }

        var redacted = Redact(text);
        return ReferenceEquals(redacted, text) ? null : redacted;
    }

    /// <inheritdoc />
    public void WriteRedactedMember(Utf8JsonWriter writer, string name, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(name);
        writer.WritePropertyName(name);
        Write(writer, value, SecretDetector.IsSecretName(name));
    }

    // The element twin of Write(JsonNode): the proxy hands over parsed arguments as an element, and judging them there
    // saves building a JsonObject tree per tools/call just to write it out again.
    private void Write(Utf8JsonWriter writer, JsonElement element, bool secretContext)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, SecretDetector.IsSecretName(property.Name));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, secretContext && item.ValueKind is not JsonValueKind.Object);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String when Replacement(element.GetString()!, secretContext) is { } replaced:
                writer.WriteStringValue(replaced);
                break;
            case JsonValueKind.Number when secretContext:
                writer.WriteStringValue(Marker("secret-field"));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
