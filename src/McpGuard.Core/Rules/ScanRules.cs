using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG1xx: findings of <c>mcpguard scan</c> about configured servers (launches, intel, config hygiene).</summary>
public static class ScanRules
{
    public static readonly RuleDescriptor KnownMaliciousPackage = new(
        "MCPG101", "known-malicious-package", "Known-malicious package version",
        Severity.Critical,
        "The server runs (or is pinned to) a package version that an advisory lists as malicious.",
        "Remove the server from the config and uninstall the package, rotate every credential that was passed to it, and check the logs of what it could reach.");

    public static readonly RuleDescriptor UnpinnedLaunch = new(
        "MCPG102", "unpinned-launch", "Server launch is not pinned to one version",
        Severity.Medium,
        "The launch asks for whatever version is newest (npx -y name, @latest, a range, uvx name, a docker tag without a digest), so a malicious update runs without anyone reviewing it.",
        "Pin one exact, reviewed version (name@1.2.3, name==1.2.3, image@sha256:...) and record it with 'mcpguard lock'.");

    public static readonly RuleDescriptor PlainHttpRemote = new(
        "MCPG103", "plain-http-remote", "Remote server over plain HTTP",
        Severity.High,
        "A remote MCP server is reached over http:// on a non-local host, so tool calls, results and tokens cross the network unencrypted and can be read or changed on the way.",
        "Use the server's https:// URL, or reach it through a local tunnel.");

    public static readonly RuleDescriptor PlaintextCredential = new(
        "MCPG104", "plaintext-credential", "Credential written in plain text in a config",
        Severity.Medium,
        "A config file stores a token, key or password value directly in a server's env or headers, where any program that can read the file (including other MCP servers) can take it.",
        "Move the value to the client's secret input or an environment reference (${VAR}, ${env:VAR}, ${input:id}), and rotate it if the file was ever shared or committed.");

    public static readonly RuleDescriptor BrandImpersonation = new(
        "MCPG105", "brand-impersonation", "Package imitates a vendor it does not come from",
        Severity.High,
        "The package name looks like a vendor's official MCP server, but intel says the vendor does not publish it.",
        "Replace it with the vendor's official server (the message names it) or remove it.");

    public static readonly RuleDescriptor KnownBadIndicator = new(
        "MCPG106", "known-bad-indicator", "Config mentions a known attacker address or domain",
        Severity.Critical,
        "A server's command, arguments, URL or environment mentions an email address or domain known from a malicious package.",
        "Remove the server, rotate every credential passed to it, and check mail and network logs for traffic to the indicator.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
        [KnownMaliciousPackage, UnpinnedLaunch, PlainHttpRemote, PlaintextCredential, BrandImpersonation, KnownBadIndicator];
}
