namespace McpGuard.Verify.Discovery;

/// <summary>Cursor: ~/.cursor/mcp.json and project .cursor/mcp.json. Cursor (a VS Code fork) accepts JSONC.</summary>
internal sealed class CursorConfig : McpServersJsonConfig
{
    public override string Client => "cursor";

    protected override bool Jsonc => true;

    public override IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options) =>
        [new(Client, Path.Combine(options.Home, ".cursor", "mcp.json"))];

    public override IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) =>
        [new(Client, Path.Combine(projectFolder, ".cursor", "mcp.json"), projectFolder)];
}
