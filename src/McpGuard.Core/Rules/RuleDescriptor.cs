using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>
/// A stable rule: its id never changes meaning once published. Every id is documented in docs/rules.md
/// (a test checks that) with what it detects, why it matters and how to fix it.
/// </summary>
/// <param name="Id">MCPG + number; the hundreds digit is the area (see <see cref="RuleCatalog"/>).</param>
public sealed record RuleDescriptor(
    string Id,
    string Name,
    string Title,
    Severity DefaultSeverity,
    string Description,
    string Remediation);
