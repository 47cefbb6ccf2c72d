using McpGuard.Core.Findings;

namespace McpGuard.Core.Rules;

/// <summary>MCPG107: <c>mcpguard scan --installed</c>, known-malicious packages found on disk (npx cache, global, node_modules).</summary>
public static class InventoryRules
{
    public static readonly RuleDescriptor InstalledMaliciousPackage = new(
        "MCPG107", "installed-malicious-package", "Known-malicious package version is installed on this machine",
        Severity.Critical,
        "A package version that an advisory lists as malicious sits in the npx cache, a global prefix or a project's node_modules, whether or not a client config launches it now: the next npx run, script or server start can load it, and the registry having removed it does not remove it from disk.",
        "Run the cleanup command shown (rm -rf of the npx cache entry, npm uninstall -g, or npm uninstall --prefix), remove every server config that launches it, rotate the credentials named, and check your mail and network logs (mcpguard mail-audit).");

    public static IReadOnlyList<RuleDescriptor> All { get; } = [InstalledMaliciousPackage];
}
