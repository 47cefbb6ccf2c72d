using McpGuard.Core.Reports;

namespace McpGuard.Investigate.Inventory;

/// <summary>
/// Lists every package in one node_modules tree: scoped packages (<c>@scope/name</c>), nested node_modules at any
/// depth up to <see cref="InventoryLimits.MaxNesting"/>, and pnpm's <c>.pnpm</c> store. Each package folder is read
/// once, by its real path, so symlinks (pnpm layouts, links to an ancestor) neither duplicate nor loop.
/// </summary>
internal sealed class NodeModulesWalker(InventoryLimits limits, List<Diagnostic> problems)
{
    private readonly HashSet<string> _visited = new(StringComparer.Ordinal);

    public int PackagesRead { get; private set; }

    public void Walk(InstallRoot root, List<InstalledPackage> into, CancellationToken cancellationToken) =>
        WalkNodeModules(root.NodeModules, root, null, 0, false, into, cancellationToken);

    private void WalkNodeModules(string nodeModules, InstallRoot root, string? topLevel, int nesting, bool inPnpm, List<InstalledPackage> into, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (nesting > limits.MaxNesting)
        {
            problems.Add(new Diagnostic(nodeModules, null, $"deeper than {limits.MaxNesting} nested node_modules levels; not inventoried"));
            return;
        }

        string? pnpmStore = null;
        foreach (var entry in InventoryIo.ListDirectories(nodeModules, problems))
        {
            var name = Path.GetFileName(entry);
            if (name == ".pnpm")
            {
                pnpmStore = entry;
            }
            else if (name.StartsWith('@'))
            {
                foreach (var scoped in InventoryIo.ListDirectories(entry, problems))
                {
                    Package(scoped, name + "/" + Path.GetFileName(scoped), root, topLevel, nesting, inPnpm, into, cancellationToken);
                }
            }
            else if (!name.StartsWith('.'))
            {
                Package(entry, name, root, topLevel, nesting, inPnpm, into, cancellationToken);
            }
        }

        // pnpm keeps every real package in .pnpm/<name>@<version>/node_modules/<name> and links the direct dependencies
        // to the top level. The store is walked last, so a package is attributed to its top-level link (what a person
        // uninstalls) and only the transitive ones are reported from the store.
        foreach (var stored in pnpmStore is null ? [] : InventoryIo.ListDirectories(pnpmStore, problems))
        {
            var storedModules = Path.Combine(stored, "node_modules");
            if (Directory.Exists(storedModules))
            {
                WalkNodeModules(storedModules, root, topLevel, nesting + 1, true, into, cancellationToken);
            }
        }
    }

    private void Package(string folder, string folderName, InstallRoot root, string? topLevel, int nesting, bool inPnpm, List<InstalledPackage> into, CancellationToken cancellationToken)
    {
        if (RealPath(folder) is not { } real || !_visited.Add(real))
        {
            return;
        }

        var manifest = Path.Combine(folder, "package.json");
        if (!File.Exists(manifest))
        {
            return;
        }

        PackagesRead++;
        var (name, version, error) = PackageManifest.Read(manifest, limits.MaxPackageJsonBytes);
        if (error is not null)
        {
            problems.Add(new Diagnostic(manifest, null, $"package.json not readable, so this package's version is unknown: {error}"));
        }
        else if (version is null)
        {
            problems.Add(new Diagnostic(manifest, null, "package.json has no version; not matched against intel"));
        }
        else
        {
            into.Add(new InstalledPackage(name ?? folderName, version, folder, root, topLevel ?? folderName, nesting, inPnpm));
        }

        var nested = Path.Combine(folder, "node_modules");
        if (Directory.Exists(nested))
        {
            WalkNodeModules(nested, root, topLevel ?? folderName, nesting + 1, inPnpm, into, cancellationToken);
        }
    }

    /// <summary>The folder's final target when it is a symlink, else its own path; null (and a diagnostic) for a broken or looping link.</summary>
    private string? RealPath(string folder)
    {
        try
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is null)
            {
                return info.FullName;
            }

            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is { Exists: true } ? target.FullName : null;
        }
        catch (IOException ex)
        {
            problems.Add(new Diagnostic(folder, null, $"symlink not followed: {ex.Message}"));
            return null;
        }
    }
}
