namespace McpGuard.Verify.Discovery;

/// <summary>
/// One MCP client's config format: where its files live (per user and per project) and how to read them.
/// Adding a client is one class implementing this plus one line in <see cref="McpClients.All"/>.
/// </summary>
internal interface IMcpClientConfig
{
    string Client { get; }

    /// <summary>User-level (and machine-level) config files, whether or not they exist.</summary>
    IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options);

    /// <summary>Config files inside one project folder, whether or not they exist.</summary>
    IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder);

    /// <summary>Reads one existing file; problems become diagnostics in the sink, never exceptions.</summary>
    void Read(ConfigCandidate file, string text, ConfigSink sink);
}

/// <summary>Every supported client, in report order.</summary>
internal static class McpClients
{
    public static IReadOnlyList<IMcpClientConfig> All { get; } =
    [
        new ClaudeDesktopConfig(),
        new ClaudeCodeConfig(),
        new CursorConfig(),
        new VsCodeConfig("vscode", "Code"),
        new VsCodeConfig("vscode-insiders", "Code - Insiders"),
        new WindsurfConfig(),
        new GeminiCliConfig(),
        new KiroConfig(),
        new CodexConfig(),
    ];
}

/// <summary>Base for the many clients whose file is <c>{ "mcpServers": { name: entry } }</c>.</summary>
internal abstract class McpServersJsonConfig : IMcpClientConfig
{
    public abstract string Client { get; }

    /// <summary>Whether the client itself accepts comments and trailing commas in this file.</summary>
    protected abstract bool Jsonc { get; }

    public abstract IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options);

    public virtual IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) => [];

    public virtual void Read(ConfigCandidate file, string text, ConfigSink sink)
    {
        using var json = JsonConfig.Parse(file.Path, text, Jsonc, sink);
        if (json?.Root.ValueKind == System.Text.Json.JsonValueKind.Object && json.Root.TryGetProperty("mcpServers", out var servers))
        {
            JsonConfig.ReadServers(servers, file, json.Lines, sink, "mcpServers");
        }
    }
}
