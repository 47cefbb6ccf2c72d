using System.Text.Json.Nodes;
using McpGuard.Core.Findings;

namespace McpGuard.Core.Tools;

/// <summary>An MCP tool as a client sees it in tools/list, or as static analysis extracted it from package code.</summary>
public sealed record ToolDefinition(string Name, string? Description, JsonNode? InputSchema, string? Title = null);

/// <summary>
/// The tool-description rules (hidden instructions, shadowing, exfiltration parameters, invisible Unicode...).
/// A seam because the same judgement runs offline on saved tools/list results and extracted definitions,
/// and live in the proxy on every tools/list result and tool output.
/// </summary>
public interface IToolDescriptionScanner
{
    /// <summary>Findings for one tool's name, description and input schema (including nested property descriptions).</summary>
    IReadOnlyList<Finding> Scan(ToolDefinition tool, string? server = null);

    /// <summary>Findings for free text a tool returned (injected instructions in outputs); <paramref name="context"/> names where it came from.</summary>
    IReadOnlyList<Finding> ScanText(string text, string context, string? server = null);

    /// <summary>
    /// <see cref="ScanText(string, string, string?)"/> over text in a caller's buffer: a tool result of megabytes is
    /// scanned where it was decoded instead of being copied into one more large string.
    /// </summary>
    IReadOnlyList<Finding> ScanText(ReadOnlySpan<char> text, string context, string? server = null) => ScanText(text.ToString(), context, server);
}
