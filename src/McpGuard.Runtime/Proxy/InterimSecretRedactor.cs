using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Core.Secrets;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// INTERIM redactor for the CLI until the real <see cref="ISecretRedactor"/> is wired: common token shapes, private
/// keys, JWTs, passwords in URLs and values under secret-named keys. Errs towards redacting.
/// </summary>
public sealed partial class InterimSecretRedactor : ISecretRedactor
{
    public string Redact(string text) => Patterns().Replace(text, "[REDACTED]");

    public bool ContainsSecret(string text) => Patterns().IsMatch(text);

    public void RedactInPlace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (SecretKey().IsMatch(key) && obj[key] is JsonValue)
                    {
                        obj[key] = "[REDACTED]";
                    }
                    else
                    {
                        Replace(obj[key], v => obj[key] = v);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i;
                    Replace(array[i], v => array[index] = v);
                }

                break;
        }
    }

    private void Replace(JsonNode? child, Action<JsonNode> set)
    {
        if (child is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (ContainsSecret(text))
            {
                set(Redact(text));
            }
        }
        else
        {
            RedactInPlace(child);
        }
    }

    [GeneratedRegex(@"(?i)^(password|passwd|secret|token|api[-_]?key|apikey|authorization|auth|access[-_]?token|refresh[-_]?token|client[-_]?secret|private[-_]?key|credentials?)$")]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\b(sk|pk|rk)[-_](live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{16,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{30,}|\bnpm_[A-Za-z0-9]{30,}|(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{12,}|(?<=://[^/\s:@]{1,64}:)[^/\s@]{1,128}(?=@)")]
    private static partial Regex Patterns();
}
