namespace McpGuard.Verify.Discovery;

/// <summary>Claude Desktop: claude_desktop_config.json on macOS, Windows and the Linux ~/.config/Claude path. Strict JSON.</summary>
internal sealed class ClaudeDesktopConfig : McpServersJsonConfig
{
    public override string Client => "claude-desktop";

    protected override bool Jsonc => false;

    public override IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options) =>
    [
        new(Client, Path.Combine(options.Home, "Library", "Application Support", "Claude", "claude_desktop_config.json")),
        new(Client, Path.Combine(options.Home, "AppData", "Roaming", "Claude", "claude_desktop_config.json")),
        new(Client, Path.Combine(options.Home, ".config", "Claude", "claude_desktop_config.json")),
    ];
}
