using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG4xx: what a new version of a package adds compared with the approved one.</summary>
public static class DiffRules
{
    public static readonly RuleDescriptor NewMailRecipient = new(
        "MCPG400", "diff-new-mail-recipient", "New version copies email to a fixed address",
        Severity.Critical,
        "The new version adds a constant recipient (To, Cc, Bcc, Reply-To) to a mail payload that had none before — the postmark-mcp 1.0.16 change.",
        "Block the update and stay on the approved version; report the package to the registry.");

    public static readonly RuleDescriptor NewEgress = new(
        "MCPG401", "diff-new-egress", "New version talks to a new address",
        Severity.Medium,
        "The new version contains a URL, host, IP or email address the approved version did not have.",
        "Check that the new address belongs to the service the package is for before approving.");

    public static readonly RuleDescriptor NewInstallHook = new(
        "MCPG402", "diff-new-install-hook", "New version adds or changes an install script",
        Severity.High,
        "A preinstall, install or postinstall script was added or changed; it runs on every machine that installs the update.",
        "Read the script; approve only if the project explains why it is needed.");

    public static readonly RuleDescriptor NewDependency = new(
        "MCPG403", "diff-new-dependency", "New version adds or changes a dependency",
        Severity.Low,
        "A dependency was added, or its version range changed; its code now runs inside the server.",
        "Check the new dependency (run diff with --deep to analyse it) before approving.");

    public static readonly RuleDescriptor NewCapability = new(
        "MCPG404", "diff-new-behaviour", "New version gains a risky behaviour",
        Severity.Medium,
        "The new version adds a behaviour the approved one did not have: reading credential variables or files, starting processes, running decoded code, a new network or mail call site, a new payload key.",
        "Read the change at the reported line and approve only if it matches the release notes.");

    public static readonly RuleDescriptor ToolChanged = new(
        "MCPG405", "diff-tool-changed", "New version changes its MCP tools",
        Severity.Low,
        "A tool was added or removed, or its description or input schema changed; the AI assistant will see different instructions.",
        "Read the new description and schema; re-approve the tool definitions.");

    public static readonly RuleDescriptor NewFinding = new(
        "MCPG406", "diff-new-finding", "New version has a new analysis finding",
        Severity.Medium,
        "Static analysis of the new version (or of a new dependency with --deep) reports something the approved version did not have.",
        "Read the underlying finding; it carries the original rule id in its evidence.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        NewMailRecipient, NewEgress, NewInstallHook, NewDependency, NewCapability, ToolChanged, NewFinding,
    ];
}
