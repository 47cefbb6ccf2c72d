using System.Text.Json;

namespace McpGuard.Verify.Discovery;

/// <summary>
/// Claude Code: ~/.claude.json (top-level "mcpServers" and "projects".&lt;path&gt;."mcpServers"), project .mcp.json,
/// and the machine-wide managed-mcp.json. All strict JSON. The "projects" keys also tell discovery which project
/// folders to search for other clients' project configs.
/// </summary>
internal sealed class ClaudeCodeConfig : IMcpClientConfig
{
    public string Client => "claude-code";

    public IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options)
    {
        yield return new(Client, Path.Combine(options.Home, ".claude.json"));
        if (options.SystemRoot is { } root)
        {
            yield return new(Client, Path.Combine(root, "etc", "claude-code", "managed-mcp.json"));
            yield return new(Client, Path.Combine(root, "Library", "Application Support", "ClaudeCode", "managed-mcp.json"));
        }
    }

    public IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) =>
        [new(Client, Path.Combine(projectFolder, ".mcp.json"), projectFolder)];

    public void Read(ConfigCandidate file, string text, ConfigSink sink)
    {
        using var json = JsonConfig.Parse(file.Path, text, jsonc: false, sink);
        if (json is not null)
        {
            ReadParsed(json, file, sink);
        }
    }

    /// <summary>Top-level "mcpServers" plus each "projects" entry's servers (also used for --config files).</summary>
    public static void ReadParsed(ParsedJson json, ConfigCandidate file, ConfigSink sink)
    {
        if (json.Root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (json.Root.TryGetProperty("mcpServers", out var servers))
        {
            JsonConfig.ReadServers(servers, file, json.Lines, sink, "mcpServers");
        }

        if (json.Root.TryGetProperty("projects", out var projects) && projects.ValueKind == JsonValueKind.Object)
        {
            foreach (var project in projects.EnumerateObject())
            {
                sink.ProjectFolders.Add(project.Name);
                if (project.Value.ValueKind == JsonValueKind.Object && project.Value.TryGetProperty("mcpServers", out var ps))
                {
                    JsonConfig.ReadServers(ps, file with { ProjectPath = project.Name }, json.Lines, sink, "projects", project.Name, "mcpServers");
                }
            }
        }
    }
}
