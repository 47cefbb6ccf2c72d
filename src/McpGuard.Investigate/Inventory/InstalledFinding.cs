using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Intel;
using McpGuard.Core.Rules;
using McpGuard.Verify.Resolution;
using McpGuard.Verify.Scan;

namespace McpGuard.Investigate.Inventory;

/// <summary>Builds the MCPG107 finding for one installed malicious copy. Env variable names only, never values.</summary>
internal static class InstalledFinding
{
    public static Finding Create(InstalledPackage package, Advisory advisory, IReadOnlyList<ResolvedLaunch> launchedBy, IntelDatabase intel, string home)
    {
        var commands = CleanupCommands.For(package);
        var credentials = launchedBy.SelectMany(ConfigScanner.CredentialNames)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var behaviour = advisory.Behaviour is { } b ? $": it {b}" : "";
        var dependency = package.Nesting > 0 || package.InPnpmStore
            ? package.TopLevelFolder == package.Name ? " (a nested copy)" : $" (a dependency of {package.TopLevelFolder})"
            : "";
        var launchers = launchedBy.Count == 0
            ? "No MCP client config found launches it, but anything that runs it from there still can."
            : "Launched by " + string.Join("; ", launchedBy.Select(l => $"'{l.Server.Name}' in {l.Server.Client} ({Show(l.Server.ConfigPath, home)})")) + ".";
        var message =
            $"{package.Name} {package.Version} is installed in the {package.Root.Describe()} at {Show(package.Directory, home)}{dependency}, " +
            $"listed as malicious in {advisory.Id}{behaviour}. {launchers}";

        var steps = new List<string> { "Run: " + string.Join(" && ", commands) };
        if (launchedBy.Count > 0)
        {
            steps.Add("remove " + string.Join(", ", launchedBy.Select(l => $"'{l.Server.Name}' from {Show(l.Server.ConfigPath, home)}")));
        }

        steps.Add(credentials.Count > 0
            ? $"rotate {string.Join(", ", credentials)} (given to it in those configs)"
            : "rotate any credential that was given to it (no config names one)");
        steps.Add($"check your mail provider's sent-mail logs{IndicatorHint(intel, advisory.Id)} (mcpguard mail-audit)");

        var evidence = new JsonObject
        {
            ["advisory"] = advisory.Id,
            ["advisorySource"] = advisory.Source,
            ["ecosystem"] = "npm",
            ["package"] = package.Name,
            ["version"] = package.Version,
            ["installedPath"] = package.Directory,
            ["where"] = package.Root.Describe(),
            ["topLevelPackage"] = package.TopLevelFolder,
            ["cleanup"] = Array(commands),
            ["launchedBy"] = new JsonArray([.. launchedBy.Select(l => (JsonNode)new JsonObject
            {
                ["client"] = l.Server.Client,
                ["configPath"] = l.Server.ConfigPath,
                ["server"] = l.Server.Name,
                ["credentialNames"] = Array(ConfigScanner.CredentialNames(l).Order(StringComparer.Ordinal)),
            })]),
            ["credentialNames"] = Array(credentials),
        };

        return FindingFactory.Create(InventoryRules.InstalledMaliciousPackage, message,
            server: launchedBy.FirstOrDefault()?.Server.Name,
            location: new SourceLocation { File = package.PackageJsonPath },
            evidence: evidence,
            remediation: string.Join("; ", steps) + ".");
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static string IndicatorHint(IntelDatabase intel, string advisoryId)
    {
        var iocs = intel.KnownBadEmailAddresses.Concat(intel.KnownBadDomains).Where(i => i.AdvisoryId == advisoryId).Select(i => i.Value).ToList();
        return iocs.Count == 0 ? " for messages you did not send" : $" for copies sent to {string.Join(" or ", iocs)}";
    }

    /// <summary>"~/x" for a path inside the home (the evidence keeps absolute paths).</summary>
    private static string Show(string path, string home)
    {
        var rel = Path.GetRelativePath(home, path);
        return rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? path : "~/" + rel.Replace('\\', '/');
    }
}
