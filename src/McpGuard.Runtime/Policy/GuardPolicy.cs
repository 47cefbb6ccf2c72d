using System.Text.RegularExpressions;

namespace McpGuard.Runtime.Policy;

/// <summary>What to do when a call breaks an argument constraint.</summary>
public enum ViolationAction
{
    /// <summary>Refuse the call with a JSON-RPC error; the server never sees it.</summary>
    Block,

    /// <summary>Forward the call, record an alert in the audit log and warn on stderr.</summary>
    Alert,
}

/// <summary>What to do with a tool whose description the scanner flags as poisoned.</summary>
public enum PoisonedToolAction
{
    Flag,
    Hide,
}

/// <summary>What to do with tool output the scanner flags as injected instructions.</summary>
public enum ToolResultAction
{
    Flag,
    Strip,
}

/// <summary>A policy file: per server name, with "*" as the fallback for servers not listed.</summary>
public sealed record GuardPolicy
{
    public static GuardPolicy Empty { get; } = new();

    public IReadOnlyDictionary<string, ServerPolicy> Servers { get; init; } = new Dictionary<string, ServerPolicy>(StringComparer.Ordinal);

    /// <summary>The file it came from, for messages; null for flags-only policies.</summary>
    public string? SourcePath { get; init; }

    public ServerPolicy For(string server) =>
        Servers.TryGetValue(server, out var p) ? p : Servers.TryGetValue("*", out var d) ? d : ServerPolicy.Default;
}

/// <summary>The rules for one server. Immutable; build with <c>with</c>.</summary>
public sealed record ServerPolicy
{
    public static ServerPolicy Default { get; } = new();

    /// <summary>Tool name globs allowed; empty means every tool not denied.</summary>
    public IReadOnlyList<string> AllowTools { get; init; } = [];

    /// <summary>Tool name globs refused (deny wins over allow). Denied tools are also hidden from tools/list.</summary>
    public IReadOnlyList<string> DenyTools { get; init; } = [];

    /// <summary>Argument constraints, per tool-name glob.</summary>
    public IReadOnlyList<ToolArgumentRules> Arguments { get; init; } = [];

    public ViolationAction OnViolation { get; init; } = ViolationAction.Block;
    public PoisonedToolAction PoisonedTools { get; init; } = PoisonedToolAction.Flag;
    public ToolResultAction ToolResults { get; init; } = ToolResultAction.Flag;
}

/// <summary>Constraints on the arguments of the tools matching <see cref="ToolGlob"/>.</summary>
public sealed record ToolArgumentRules(string ToolGlob, IReadOnlyDictionary<string, ArgumentConstraint> Arguments);

/// <summary>
/// One argument's constraint. Applies to a string value, or to each string of an array value. Every set
/// property must hold. <see cref="Domains"/> reads the value as one or more e-mail addresses ("a@x.com, B &lt;b@y.org&gt;").
/// </summary>
public sealed record ArgumentConstraint
{
    public Regex? Pattern { get; init; }
    public IReadOnlyList<string>? Enum { get; init; }
    public int? MaxLength { get; init; }

    /// <summary>Allowed e-mail domains; "*.example.com" also allows subdomains.</summary>
    public IReadOnlyList<string>? Domains { get; init; }

    /// <summary>The argument must be absent (e.g. "bcc" on a send-email tool).</summary>
    public bool Forbidden { get; init; }

    /// <summary>The argument must be present.</summary>
    public bool Required { get; init; }
}
