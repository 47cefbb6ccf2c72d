using McpGuard.Core.Rules;
using McpGuard.Runtime.Egress.MailApis;

namespace McpGuard.Runtime.Egress;

/// <summary>What the proxy decided for one request, with what the audit log and the alert need (never bodies or secrets).</summary>
internal sealed record EgressVerdict
{
    public required bool Allowed { get; init; }

    /// <summary>The rule that blocked (null when allowed).</summary>
    public RuleDescriptor? Rule { get; init; }

    public string? Reason { get; init; }

    /// <summary>HTTP status for the server when blocked (403 for policy, 4xx/5xx for protocol errors).</summary>
    public int StatusCode { get; init; } = 403;

    public string? Profile { get; init; }

    public IReadOnlyList<MailRecipient> Recipients { get; init; } = [];

    public IReadOnlyList<string> UnexpectedRecipients { get; init; } = [];

    /// <summary>Flags raised on an allowed request (MCPG602, MCPG605): alerted and audited, not blocked.</summary>
    public IReadOnlyList<EgressFlag> Flags { get; init; } = [];

    public static EgressVerdict Block(RuleDescriptor rule, string reason, int statusCode = 403) =>
        new() { Allowed = false, Rule = rule, Reason = reason, StatusCode = statusCode };
}

internal sealed record EgressFlag(RuleDescriptor Rule, string Message);
