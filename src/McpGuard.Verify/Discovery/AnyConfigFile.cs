using System.Text.Json;

namespace McpGuard.Verify.Discovery;

/// <summary>
/// A file given with --config: the shape is detected from its content (Codex TOML; Claude Code's ~/.claude.json;
/// "mcpServers"; VS Code "servers" or "mcp.servers"; or a flat map of server entries, as in plugin .mcp.json).
/// Read leniently (JSONC), since the client is unknown.
/// </summary>
internal static class AnyConfigFile
{
    public const string Client = "config";

    public static void Read(string path, string text, ConfigSink sink)
    {
        var file = new ConfigCandidate(Client, path);
        if (path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase))
        {
            new CodexConfig().Read(file with { Client = Client }, text, sink);
            return;
        }

        using var json = JsonConfig.Parse(path, text, jsonc: true, sink);
        if (json is null)
        {
            return;
        }

        var root = json.Root;
        if (root.ValueKind != JsonValueKind.Object)
        {
            sink.Problem(path, 1, "not a JSON object, so no MCP servers could be read from it");
            return;
        }

        var before = sink.Servers.Count;
        if (root.TryGetProperty("projects", out _) || root.TryGetProperty("mcpServers", out _))
        {
            ClaudeCodeConfig.ReadParsed(json, file, sink);
        }

        if (root.TryGetProperty("servers", out var servers))
        {
            JsonConfig.ReadServers(servers, file, json.Lines, sink, "servers");
        }

        if (root.TryGetProperty("mcp.servers", out var flat))
        {
            JsonConfig.ReadServers(flat, file, json.Lines, sink, "mcp.servers");
        }

        if (root.TryGetProperty("mcp", out var mcp) && mcp.ValueKind == JsonValueKind.Object && mcp.TryGetProperty("servers", out var nested))
        {
            JsonConfig.ReadServers(nested, file, json.Lines, sink, "mcp", "servers");
        }

        if (sink.Servers.Count == before && LooksLikeFlatServerMap(root))
        {
            JsonConfig.ReadServers(root, file, json.Lines, sink);
        }

        if (sink.Servers.Count == before)
        {
            sink.Problem(path, 1, "no MCP servers found (expected \"mcpServers\", \"servers\", \"mcp.servers\" or [mcp_servers.NAME])");
        }
    }

    private static bool LooksLikeFlatServerMap(JsonElement root) =>
        root.EnumerateObject().Any()
        && root.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Object
                                           && (p.Value.TryGetProperty("command", out _) || p.Value.TryGetProperty("url", out _)));
}
