using McpGuard.Core.Reports;

namespace McpGuard.Verify.Discovery;

/// <summary>Collects what reading config files produced: servers, diagnostics and project folders they point at.</summary>
internal sealed class ConfigSink
{
    public List<DiscoveredServer> Servers { get; } = [];
    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>Project folders named inside configs (Claude Code's ~/.claude.json "projects"), in order found.</summary>
    public List<string> ProjectFolders { get; } = [];

    public void Problem(string file, int? line, string message) => Diagnostics.Add(new Diagnostic(file, line, message));
}
