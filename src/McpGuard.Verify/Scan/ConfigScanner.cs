using McpGuard.Core.Intel;
using McpGuard.Core.Reports;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Scan;

/// <summary>What a scan produced: the report, plus the files it read (for narration).</summary>
public sealed record ScanResult(Report Report, IReadOnlyList<string> ConfigFilesRead, IReadOnlyList<ResolvedLaunch> Launches);

/// <summary>
/// <c>mcpguard scan</c> as a library call: discover every configured server, resolve what really runs, match intel
/// and apply the MCPG1xx checks. Offline: reads only local files.
/// </summary>
public static class ConfigScanner
{
    public static ScanResult Scan(DiscoveryOptions options, IntelDatabase intel, CancellationToken cancellationToken = default)
    {
        var discovery = ConfigDiscovery.Discover(options, cancellationToken: cancellationToken);
        var resolver = new LaunchResolver(ResolutionOptionsFor(options));
        var launches = new List<ResolvedLaunch>(discovery.Servers.Count);
        var servers = new List<ServerReport>(discovery.Servers.Count);
        foreach (var server in discovery.Servers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var launch = resolver.Resolve(server);
            launches.Add(launch);
            servers.Add(ToReport(launch, intel, options.Home));
        }

        return new ScanResult(Report.Create(servers, diagnostics: discovery.Diagnostics), discovery.ConfigFilesRead, launches);
    }

    public static ResolutionOptions ResolutionOptionsFor(DiscoveryOptions options) => new()
    {
        Home = options.Home,
        HomeOverridden = options.HomeOverridden,
        Environment = options.Environment,
    };

    /// <summary>
    /// The credential names (env variables and headers, never values) a server is handed: those whose name says
    /// "secret", else every one. What to rotate when the server turns out to be malicious.
    /// </summary>
    public static IReadOnlyList<string> CredentialNames(ResolvedLaunch launch) => ServerChecks.CredentialNames(launch);

    /// <summary>One server's report entry: the configured launch with secrets hidden, its package and its findings.</summary>
    public static ServerReport ToReport(ResolvedLaunch launch, IntelDatabase intel, string? home = null)
    {
        var s = launch.Server;
        var p = launch.Package;
        return new ServerReport
        {
            Client = s.Client,
            ConfigPath = s.ConfigPath,
            Name = s.Name,
            Command = s.Command,
            Args = CredentialHeuristics.RedactArgs(s.Args),
            Url = s.Url is null ? null : CredentialHeuristics.RedactUrl(s.Url),
            Guarded = launch.Guarded,
            Package = p is null ? null : new PackageInfo
            {
                Ecosystem = p.Ecosystem,
                Name = p.Name,
                Version = p.Version,
                Pinned = p.Pinned,
                Requested = p.Requested,
                InstalledPath = p.Installed?.PackageJsonPath,
            },
            Findings = [.. ServerChecks.Run(launch, intel, home).OrderByDescending(f => f.Severity)],
        };
    }
}
