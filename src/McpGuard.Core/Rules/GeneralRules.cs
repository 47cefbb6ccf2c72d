using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG0xx: findings about McpGuard's own input (files it could not read), shared by every area.</summary>
public static class GeneralRules
{
    public static readonly RuleDescriptor InputUnreadable = new(
        "MCPG001", "input-unreadable", "Input could not be read",
        Severity.Low,
        "A configuration, package or log file could not be parsed, so part of the machine was not checked.",
        "Fix the file (the message names the file and line) and run again; until then its servers are unchecked.");

    public static IReadOnlyList<RuleDescriptor> All { get; } = [InputUnreadable];
}
