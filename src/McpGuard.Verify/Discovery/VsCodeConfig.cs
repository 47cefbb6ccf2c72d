using System.Text.Json;

namespace McpGuard.Verify.Discovery;

/// <summary>
/// VS Code and VS Code Insiders: user settings.json ("mcp": {"servers": ...} or the flat "mcp.servers" key) and
/// mcp.json ("servers"), on macOS, Linux and Windows paths, user profiles, and workspace .vscode/ files. JSONC.
/// </summary>
internal sealed class VsCodeConfig(string client, string productFolder) : IMcpClientConfig
{
    public string Client => client;

    public IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options)
    {
        string[] userDirs =
        [
            Path.Combine(options.Home, "Library", "Application Support", productFolder, "User"),
            Path.Combine(options.Home, ".config", productFolder, "User"),
            Path.Combine(options.Home, "AppData", "Roaming", productFolder, "User"),
        ];
        foreach (var dir in userDirs)
        {
            yield return new(Client, Path.Combine(dir, "settings.json"));
            yield return new(Client, Path.Combine(dir, "mcp.json"));
            var profiles = Path.Combine(dir, "profiles");
            if (Directory.Exists(profiles))
            {
                foreach (var profile in Directory.EnumerateDirectories(profiles).Order(StringComparer.Ordinal))
                {
                    yield return new(Client, Path.Combine(profile, "settings.json"));
                    yield return new(Client, Path.Combine(profile, "mcp.json"));
                }
            }
        }
    }

    // Workspace files carry no product name; report them once, under the stable product.
    public IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) => client != "vscode"
        ? []
        : [
            new(Client, Path.Combine(projectFolder, ".vscode", "mcp.json"), projectFolder),
            new(Client, Path.Combine(projectFolder, ".vscode", "settings.json"), projectFolder),
        ];

    public void Read(ConfigCandidate file, string text, ConfigSink sink)
    {
        using var json = JsonConfig.Parse(file.Path, text, jsonc: true, sink);
        if (json is null || json.Root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var root = json.Root;
        if (Path.GetFileName(file.Path).Equals("settings.json", StringComparison.OrdinalIgnoreCase))
        {
            if (root.TryGetProperty("mcp.servers", out var flat))
            {
                JsonConfig.ReadServers(flat, file, json.Lines, sink, "mcp.servers");
            }

            if (root.TryGetProperty("mcp", out var mcp) && mcp.ValueKind == JsonValueKind.Object && mcp.TryGetProperty("servers", out var nested))
            {
                JsonConfig.ReadServers(nested, file, json.Lines, sink, "mcp", "servers");
            }

            return;
        }

        if (root.TryGetProperty("servers", out var servers))
        {
            JsonConfig.ReadServers(servers, file, json.Lines, sink, "servers");
        }
    }
}
