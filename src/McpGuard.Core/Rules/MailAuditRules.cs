using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG700–MCPG749: <c>mcpguard mail-audit</c>, hidden and unexpected recipients in mail logs.</summary>
public static class MailAuditRules
{
    public static readonly RuleDescriptor KnownBadRecipient = new(
        "MCPG700", "mail-known-bad-recipient", "Mail went to a known malicious address",
        Severity.Critical,
        "A message in the mail log was delivered (as To, Cc, Bcc or an extra envelope recipient) to an address or domain that threat intelligence lists as an exfiltration drop, such as the postmark-mcp backdoor's phan@giftshop.club.",
        "Treat every listed message as leaked: remove the MCP server or package that sent it, rotate the mail API token and any credentials that appeared in those emails, and tell the people whose mail was copied.");

    public static readonly RuleDescriptor UnexpectedCopyRecipient = new(
        "MCPG701", "mail-unexpected-copy-recipient", "Mail was copied to an unexpected recipient",
        Severity.Medium,
        "A Bcc, Cc or extra envelope recipient is outside the trusted domains and the expected-recipients list.",
        "Check who owns the address and why it received copies; if it is legitimate, add its domain with --trusted-domain or the address to the --expected file; if not, find the code or MCP server that adds it.");

    public static readonly RuleDescriptor FrequentHiddenCopy = new(
        "MCPG702", "mail-frequent-hidden-copy", "One recipient silently receives a large share of all mail",
        Severity.High,
        "The same outside address appears as a hidden or extra recipient on a large share of all messages: the signature of a backdoor that copies every email (postmark-mcp 1.0.16 added one Bcc to every message).",
        "Find what adds the recipient (recent package updates of your MCP servers first), remove it, rotate the mail API token, and review the copied messages for secrets.");

    public static readonly RuleDescriptor IncompleteMailLog = new(
        "MCPG703", "mail-log-incomplete", "Part of the mail log could not be read",
        Severity.Low,
        "Some records, pages or messages were skipped (malformed lines, a truncated file, an API error), so hidden recipients in them would be missed.",
        "Read the diagnostics for what was skipped, fix or re-export that part, and run mail-audit again on it.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
        [KnownBadRecipient, UnexpectedCopyRecipient, FrequentHiddenCopy, IncompleteMailLog];
}
