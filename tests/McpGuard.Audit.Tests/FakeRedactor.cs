using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Core.Secrets;

namespace McpGuard.Audit.Tests;

/// <summary>Hand-written stand-in for the real redactor: knows one token shape ("sk_live_...") and "password" keys.</summary>
internal sealed partial class FakeRedactor : ISecretRedactor
{
    public const string Marker = "[REDACTED:test]";

    public int Calls { get; private set; }

    public string Redact(string text)
    {
        Calls++;
        return Token().Replace(text, Marker);
    }

    public void RedactInPlace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key.Equals("password", StringComparison.OrdinalIgnoreCase) && o[key] is JsonValue)
                    {
                        o[key] = Marker;
                    }
                    else if (o[key] is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        o[key] = Redact(s);
                    }
                    else
                    {
                        RedactInPlace(o[key]);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        a[i] = Redact(s);
                    }
                    else
                    {
                        RedactInPlace(a[i]);
                    }
                }

                break;
        }
    }

    public bool ContainsSecret(string text) => Token().IsMatch(text);

    [GeneratedRegex("sk_live_[A-Za-z0-9]+")]
    private static partial Regex Token();
}
