using McpGuard.Core.Findings;
using McpGuard.Core.Tools;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>What a fact records; the diff compares facts of the same kind by value, never by line.</summary>
public enum FactKind
{
    Module,
    Egress,
    EnvRead,
    FilePath,
    Spawn,
    Eval,
    NetworkSink,
    PayloadKey,
    MailRecipient,
    InstallHook,
    Dependency,
    EntryPoint,
    Binary,
    Tool,
    ToolDescription,
    ToolSchema,
}

/// <summary>
/// One observed behaviour: kind + normalised value, scoped by the tool handler it lives in (or null at module
/// level). File, line and snippet say where it is but are not part of its identity.
/// </summary>
public sealed record BehaviourFact(FactKind Kind, string Value, string? Handler, string File, int Line, string? Snippet)
{
    /// <summary>Identity for matching across versions: kind, handler and value; never the file or line.</summary>
    public string Key => $"{Kind}|{Handler}|{Value}";
}

/// <summary>The result of analysing one package: findings (worst first), the behaviour fingerprint and extracted tools.</summary>
public sealed record PackageAnalysis(
    LoadedPackage Package,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<BehaviourFact> Facts,
    IReadOnlyList<ToolDefinition> Tools)
{
    public int FilesAnalysed { get; init; }

    /// <summary>What was analysed and what was skipped, by reason (also reported as MCPG222 when anything was skipped).</summary>
    public McpGuard.Core.Reports.AnalysisCoverage Coverage { get; init; } = new() { Package = "" };

    /// <summary>Bytes of all files read (not only JavaScript).</summary>
    public long BytesRead { get; init; }
}
