using McpGuard.Core.Findings;
using McpGuard.Core.Intel;
using McpGuard.Core.Reports;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Resolution;
using McpGuard.Verify.Scan;

namespace McpGuard.Investigate.Inventory;

/// <summary>What <c>scan --installed</c> produced: the report, the inventory behind it and the configs read.</summary>
public sealed record InstalledScanResult(Report Report, InventoryResult Inventory, IReadOnlyList<string> ConfigFilesRead);

/// <summary>
/// <c>mcpguard scan --installed</c> as a library call: inventory the disk, match every name@version against the
/// intel, and give each hit its remediation (configs that launch it, cleanup commands, credential names to rotate).
/// </summary>
public static class InstalledPackageScanner
{
    public static InstalledScanResult Scan(InventoryOptions inventory, DiscoveryOptions discovery, IntelDatabase intel, CancellationToken cancellationToken = default)
    {
        var found = PackageInventory.Scan(inventory, cancellationToken);
        var configs = ConfigDiscovery.Discover(discovery, cancellationToken: cancellationToken);
        var resolver = new LaunchResolver(ConfigScanner.ResolutionOptionsFor(discovery));
        var launches = configs.Servers.Select(resolver.Resolve).ToList();

        var findings = new List<Finding>();
        foreach (var package in found.Packages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (intel.FindAdvisories("npm", package.Name, package.Version) is [var advisory, ..])
            {
                var launchedBy = launches.Where(l => LaunchReaches(l, package)).ToList();
                findings.Add(InstalledFinding.Create(package, advisory, launchedBy, intel, inventory.Home));
            }
        }

        var diagnostics = found.Problems.Concat(configs.Diagnostics).ToList();
        return new InstalledScanResult(Report.Create([], findings, diagnostics), found, configs.ConfigFilesRead);
    }

    /// <summary>
    /// True when the configured launch can load this copy: it starts a package of that name, it resolved to this very
    /// folder, or it runs from the same npx cache entry (everything in an entry was installed for the launched package).
    /// </summary>
    internal static bool LaunchReaches(ResolvedLaunch launch, InstalledPackage package)
    {
        if (launch.Package is not { } p)
        {
            return false;
        }

        if (p.Ecosystem is "npm" or "local" && string.Equals(p.Name, package.Name, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var copies = p.InstalledCopies.Select(c => c.PackageJsonPath).Append(p.Installed?.PackageJsonPath).OfType<string>();
        var entry = package.Root.NodeModules + Path.DirectorySeparatorChar;
        return copies.Any(c => c == package.PackageJsonPath
                               || (package.Root.Kind == InstallKind.NpxCache && c.StartsWith(entry, StringComparison.Ordinal)));
    }
}
