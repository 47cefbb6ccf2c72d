using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Audit;
using McpGuard.Core.Secrets;

namespace McpGuard.Runtime.Tests.Egress;

/// <summary>Redactor fake: treats GitHub-style tokens (ghp_ + 36 chars) as the only secrets.</summary>
internal sealed partial class FakeSecretRedactor : ISecretRedactor
{
    public string Redact(string text) => GitHubToken().Replace(text, "[REDACTED:github-token]");

    public void RedactInPlace(JsonNode? node)
    {
    }

    public bool ContainsSecret(string text) => GitHubToken().IsMatch(text);

    [GeneratedRegex("ghp_[A-Za-z0-9]{36}")]
    private static partial Regex GitHubToken();
}
