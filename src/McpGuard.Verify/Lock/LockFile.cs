using System.Text.Json.Nodes;

namespace McpGuard.Verify.Lock;

/// <summary>
/// mcpguard.lock.json: what the user approved, per server. Version 1:
/// <code>
/// { "version": 1, "servers": { "NAME": { "command": "node", "args": [...],
///     "package": { "name": "...", "version": "...", "integrity": "sha512-..." },
///     "tools": { "TOOL": { "hash": "sha256-...", "definition": { "name", "description", "inputSchema" } } } } } }
/// </code>
/// </summary>
public sealed record LockFile
{
    public const int CurrentVersion = 1;
    public const string DefaultFileName = "mcpguard.lock.json";

    public int Version { get; init; } = CurrentVersion;
    public IReadOnlyDictionary<string, LockedServer> Servers { get; init; } = new Dictionary<string, LockedServer>(StringComparer.Ordinal);

    public LockFile WithServer(string name, LockedServer server)
    {
        var servers = new Dictionary<string, LockedServer>(Servers, StringComparer.Ordinal) { [name] = server };
        return this with { Servers = servers };
    }
}

public sealed record LockedServer
{
    public required string Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public LockedPackage? Package { get; init; }
    public IReadOnlyDictionary<string, LockedTool> Tools { get; init; } = new Dictionary<string, LockedTool>(StringComparer.Ordinal);
}

/// <summary>The npm package a server runs, with npm's tarball integrity (sha512, SRI form) when known.</summary>
public sealed record LockedPackage(string Name, string Version, string? Integrity);

public sealed record LockedTool(string Hash, JsonObject Definition);
