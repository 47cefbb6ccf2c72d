using System.Text.Json.Nodes;
using McpGuard.Core.Secrets;

namespace McpGuard.Cli.Tests;

/// <summary>A redactor that finds nothing: test data holds no secrets and must be stored as written.</summary>
internal sealed class NoSecrets : ISecretRedactor
{
    public string Redact(string text) => text;

    public void RedactInPlace(JsonNode? node)
    {
    }

    public bool ContainsSecret(string text) => false;
}
