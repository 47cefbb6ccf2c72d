namespace McpGuard.Verify.Discovery;

/// <summary>Windsurf: ~/.codeium/windsurf/mcp_config.json (remote entries use "serverUrl"). Strict JSON.</summary>
internal sealed class WindsurfConfig : McpServersJsonConfig
{
    public override string Client => "windsurf";

    protected override bool Jsonc => false;

    public override IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options) =>
        [new(Client, Path.Combine(options.Home, ".codeium", "windsurf", "mcp_config.json"))];
}
