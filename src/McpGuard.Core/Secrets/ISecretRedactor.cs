using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Core.Secrets;

/// <summary>
/// Removes secrets (API keys, tokens, private keys, JWTs, passwords in URLs, values of secret-named fields)
/// from text and JSON before anything is written to a log, a report or the audit store. A seam because the
/// audit store, the proxy, the egress proxy and the report writers all need the same judgement.
/// </summary>
public interface ISecretRedactor
{
    /// <summary>Returns <paramref name="text"/> with every secret replaced by a marker such as "[REDACTED:github-token]".</summary>
    string Redact(string text);

    /// <summary>Redacts string values in place, including values under secret-named keys ("password", "apiKey"...).</summary>
    void RedactInPlace(JsonNode? node);

    /// <summary>
    /// Writes one object member (<paramref name="name"/> and its value) with the redactions <see cref="RedactInPlace"/>
    /// would make to it inside an object, leaving <paramref name="value"/> untouched.
    /// </summary>
    void WriteRedactedMember(Utf8JsonWriter writer, string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var holder = new JsonObject { [name] = value?.DeepClone() };
        RedactInPlace(holder);
        writer.WritePropertyName(name);
        if (holder[name] is { } redacted)
        {
            redacted.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>Like <see cref="WriteRedactedMember(Utf8JsonWriter, string, JsonNode?)"/> for a parsed element.</summary>
    void WriteRedactedMember(Utf8JsonWriter writer, string name, JsonElement value) =>
        WriteRedactedMember(writer, name, JsonNode.Parse(value.GetRawText()));

    /// <summary>True when <paramref name="text"/> holds something that looks like a secret.</summary>
    bool ContainsSecret(string text);
}
