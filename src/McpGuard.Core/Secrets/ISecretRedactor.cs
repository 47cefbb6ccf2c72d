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

    /// <summary>True when <paramref name="text"/> holds something that looks like a secret.</summary>
    bool ContainsSecret(string text);
}
