namespace McpGuard.Verify.Discovery;

/// <summary>
/// One MCP server entry as a client config declares it, before resolution. Env and header values are kept in
/// memory only so that rules can tell a literal credential from a reference; they never reach a report.
/// </summary>
public sealed record DiscoveredServer
{
    /// <summary>Client id: claude-desktop, claude-code, cursor, vscode, vscode-insiders, windsurf, gemini-cli, kiro, codex, config.</summary>
    public required string Client { get; init; }
    public required string ConfigPath { get; init; }
    public required string Name { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public string? Url { get; init; }

    /// <summary>The declared transport ("stdio", "http", "sse"...), when the config says.</summary>
    public string? Transport { get; init; }
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Env { get; init; } = EmptyMap;
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyMap;

    /// <summary>1-based line of the server's entry in its config, when it could be found.</summary>
    public int? Line { get; init; }

    /// <summary>The project folder the entry belongs to (project-scoped configs), else null.</summary>
    public string? ProjectPath { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>One config file to read, the client it belongs to, and the project it is scoped to (if any).</summary>
public sealed record ConfigCandidate(string Client, string Path, string? ProjectPath = null);
