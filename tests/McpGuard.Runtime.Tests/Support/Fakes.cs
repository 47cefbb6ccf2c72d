using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;

namespace McpGuard.Runtime.Tests.Support;

/// <summary>Redacts one known secret value, so tests can check that it never reaches the audit log.</summary>
internal sealed class FakeRedactor(string secret = "sk-test-SECRET") : ISecretRedactor
{
    public string Redact(string text) => text.Replace(secret, "[REDACTED]", StringComparison.Ordinal);

    public bool ContainsSecret(string text) => text.Contains(secret, StringComparison.Ordinal);

    public void RedactInPlace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (obj[key] is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        obj[key] = Redact(s);
                    }
                    else
                    {
                        RedactInPlace(obj[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RedactInPlace(item);
                }

                break;
        }
    }
}

/// <summary>Flags any description or text containing the marker "IGNORE PREVIOUS".</summary>
internal sealed class FakeScanner : IToolDescriptionScanner
{
    private static readonly RuleDescriptor s_rule = new("MCPG399", "fake-poison", "Fake poisoning rule", Severity.High, "test", "test");

    public IReadOnlyList<Finding> Scan(ToolDefinition tool, string? server = null) =>
        tool.Description?.Contains("IGNORE PREVIOUS", StringComparison.Ordinal) == true ? [FindingFactory.Create(s_rule, "poisoned", server)] : [];

    public IReadOnlyList<Finding> ScanText(string text, string context, string? server = null) =>
        text.Contains("IGNORE PREVIOUS", StringComparison.Ordinal) ? [FindingFactory.Create(s_rule, "poisoned output", server)] : [];
}
