using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG5xx: decisions of the run-time proxy (mcpguard run): policy, pins, frames, package integrity.</summary>
public static class ProxyRules
{
    public static readonly RuleDescriptor ToolDenied = new(
        "MCPG501", "tool-denied", "Tool call refused by policy",
        Severity.High,
        "The client called a tool that the policy (or --deny-tool/--allow-tool) does not allow; the call never reached the server.",
        "If the tool should be usable, allow it in the policy file or drop the --deny-tool flag.");

    public static readonly RuleDescriptor ArgumentViolation = new(
        "MCPG502", "argument-constraint-violated", "Tool call breaks an argument constraint",
        Severity.High,
        "A tools/call argument broke a policy constraint (domain list, pattern, enum, maximum length, forbidden argument).",
        "Check who asked for this call; widen the constraint in the policy only if the value is legitimate.");

    public static readonly RuleDescriptor ToolDefinitionChanged = new(
        "MCPG503", "tool-definition-changed", "Tool definition changed since approval",
        Severity.High,
        "A tool's name, description or input schema no longer matches the pin in mcpguard.lock.json; the tool is hidden and its calls refused.",
        "Review the change with 'mcpguard approve --name SERVER' (it shows a diff) and approve it only if it is expected.");

    public static readonly RuleDescriptor ToolNotApproved = new(
        "MCPG504", "tool-not-approved", "Tool not in the lock file",
        Severity.Medium,
        "The server offers a tool that was not there when the lock was written; it is hidden and its calls refused.",
        "Review it with 'mcpguard approve --name SERVER --tool TOOL'.");

    public static readonly RuleDescriptor PackageIntegrityChanged = new(
        "MCPG505", "package-integrity-changed", "Installed server package differs from the lock",
        Severity.Critical,
        "The installed package's version or tarball integrity differs from the one approved in mcpguard.lock.json; mcpguard run refuses to start it.",
        "Reinstall the approved version, or review the new one (mcpguard diff) and re-run 'mcpguard lock'.");

    public static readonly RuleDescriptor FrameRejected = new(
        "MCPG506", "frame-rejected", "Malformed or hostile JSON-RPC frame",
        Severity.Medium,
        "A peer sent a frame that is not valid JSON-RPC (bad JSON or UTF-8, duplicate keys, oversize, unknown or duplicate id, too many requests in flight); it was answered with an error and not forwarded.",
        "If it comes from the server, treat the server as broken or hostile; if from the client, check the client's version.");

    public static readonly RuleDescriptor PoisonedTool = new(
        "MCPG507", "poisoned-tool-flagged", "Tool description or output flagged by the scanner",
        Severity.High,
        "The tool-description rules flagged a tool's description or a tool's output (hidden instructions, exfiltration hints); the policy decides whether it is hidden/stripped or only flagged.",
        "Read the flagged text; remove the server or set poisonedTools: hide / toolResults: strip in the policy.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
        [ToolDenied, ArgumentViolation, ToolDefinitionChanged, ToolNotApproved, PackageIntegrityChanged, FrameRejected, PoisonedTool];
}
