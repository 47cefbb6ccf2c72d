namespace McpGuard.Verify.Discovery;

/// <summary>Kiro: ~/.kiro/settings/mcp.json and project .kiro/settings/mcp.json. A VS Code fork, so JSONC.</summary>
internal sealed class KiroConfig : McpServersJsonConfig
{
    public override string Client => "kiro";

    protected override bool Jsonc => true;

    public override IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options) =>
        [new(Client, Path.Combine(options.Home, ".kiro", "settings", "mcp.json"))];

    public override IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) =>
        [new(Client, Path.Combine(projectFolder, ".kiro", "settings", "mcp.json"), projectFolder)];
}
