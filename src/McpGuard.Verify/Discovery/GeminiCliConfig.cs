namespace McpGuard.Verify.Discovery;

/// <summary>Gemini CLI: ~/.gemini/settings.json and project .gemini/settings.json; it strips comments, so JSONC.</summary>
internal sealed class GeminiCliConfig : McpServersJsonConfig
{
    public override string Client => "gemini-cli";

    protected override bool Jsonc => true;

    public override IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options) =>
        [new(Client, Path.Combine(options.Home, ".gemini", "settings.json"))];

    public override IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) =>
        [new(Client, Path.Combine(projectFolder, ".gemini", "settings.json"), projectFolder)];
}
