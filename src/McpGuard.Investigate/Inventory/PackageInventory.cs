using McpGuard.Core.Reports;

namespace McpGuard.Investigate.Inventory;

/// <summary>What the inventory found: every installed package, the roots searched, and what could not be read.</summary>
public sealed record InventoryResult(
    IReadOnlyList<InstalledPackage> Packages,
    IReadOnlyList<InstallRoot> Roots,
    int PackagesRead,
    IReadOnlyList<Diagnostic> Problems);

/// <summary>
/// Lists what is actually installed on disk, whatever the client configs say: npx cache entries, global prefixes,
/// and project node_modules. Offline by design: a version the registry has since removed is still on disk, and found.
/// </summary>
public static class PackageInventory
{
    public static InventoryResult Scan(InventoryOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var problems = new List<Diagnostic>();
        var roots = new InstallRootFinder(options, problems).FindAll(cancellationToken);
        var walker = new NodeModulesWalker(options.Limits, problems);
        var packages = new List<InstalledPackage>();
        foreach (var root in roots)
        {
            walker.Walk(root, packages, cancellationToken);
        }

        return new InventoryResult(packages, roots, walker.PackagesRead, problems);
    }
}
