using System.Text.Json.Nodes;
using McpGuard.Core.Rules;

namespace McpGuard.Core.Findings;

/// <summary>Builds findings from a rule descriptor so that title, default severity and remediation stay consistent.</summary>
public static class FindingFactory
{
    public static Finding Create(
        RuleDescriptor rule,
        string message,
        string? server = null,
        SourceLocation? location = null,
        JsonObject? evidence = null,
        Severity? severity = null,
        string? remediation = null) => new()
    {
        RuleId = rule.Id,
        Severity = severity ?? rule.DefaultSeverity,
        Title = rule.Title,
        Message = message,
        Server = server,
        Location = location,
        Evidence = evidence,
        Remediation = remediation ?? rule.Remediation,
    };
}
