using McpGuard.Core.Findings;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// A block or flag the CLI prints on stderr as it happens (the audit log holds the same fact). Text is already
/// redacted; <see cref="UnexpectedRecipients"/> names the addresses the call never asked for.
/// </summary>
public sealed record EgressAlert(
    string Server,
    string RuleId,
    Severity Severity,
    bool Blocked,
    string Method,
    string Host,
    string Path,
    string Message,
    IReadOnlyList<string> UnexpectedRecipients)
{
    /// <summary>One line for stderr, e.g. "mcpguard: BLOCKED MCPG601 postmark POST api.postmarkapp.com/email: ...".</summary>
    public string ToDisplayLine() =>
        $"mcpguard: {(Blocked ? "BLOCKED" : "FLAGGED")} {RuleId} [{Server}] {Method} {Host}{Path}: {Message}";
}
