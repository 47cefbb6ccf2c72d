using McpGuard.Core.Reports;

namespace McpGuard.Investigate.Inventory;

/// <summary>
/// Finds the node_modules folders to inventory without running npm: every npx cache entry, npm global prefixes
/// (NPM_CONFIG_PREFIX, ~/.npmrc <c>prefix=</c>, ~/.npm-global, nvm versions, the prefix of the node on PATH,
/// machine-wide prefixes), volta and pnpm
/// global stores, and every node_modules under the --path folders.
/// </summary>
internal sealed class InstallRootFinder(InventoryOptions options, List<Diagnostic> problems)
{
    private static readonly string[] s_defaultSystemPrefixes = ["/usr/local", "/usr", "/opt/homebrew"];

    public IReadOnlyList<InstallRoot> FindAll(CancellationToken cancellationToken)
    {
        var npmrc = NpmrcFile.Read(UserConfigPath(), options.Home);
        var roots = new List<InstallRoot>();
        roots.AddRange(NpxEntries(npmrc));
        roots.AddRange(GlobalPrefixes(npmrc).SelectMany(p => PrefixRoots(p, InstallKind.GlobalNpm)));
        roots.AddRange(VoltaRoots());
        roots.AddRange(PnpmGlobalRoots());
        foreach (var path in options.Paths)
        {
            ProjectRoots(path, 0, roots, cancellationToken);
        }

        return [.. roots.DistinctBy(r => r.NodeModules, StringComparer.Ordinal)];
    }

    private string? Env(string name) => options.HomeOverridden ? null : options.Environment(name) is { Length: > 0 } v ? v : null;

    // npm reads its settings from env names in any case (npm_config_prefix, NPM_CONFIG_PREFIX).
    private string? NpmEnv(string key) => Env("npm_config_" + key) ?? Env("NPM_CONFIG_" + key.ToUpperInvariant());

    private string UserConfigPath() => NpmEnv("userconfig") ?? Path.Combine(options.Home, ".npmrc");

    private IEnumerable<InstallRoot> NpxEntries(NpmrcFile npmrc)
    {
        var caches = new List<string>();
        if ((NpmEnv("cache") ?? npmrc.Get("cache")) is { } configured)
        {
            caches.Add(configured);
        }

        caches.Add(Path.Combine(options.Home, ".npm"));
        caches.Add(Path.Combine(options.Home, "AppData", "Local", "npm-cache"));
        foreach (var cache in caches.Distinct(StringComparer.Ordinal))
        {
            var npx = Path.Combine(cache, "_npx");
            foreach (var entry in SafeDirectories(npx))
            {
                var nodeModules = Path.Combine(entry, "node_modules");
                if (Directory.Exists(nodeModules))
                {
                    yield return new InstallRoot(InstallKind.NpxCache, nodeModules, entry);
                }
            }
        }
    }

    private IEnumerable<string> GlobalPrefixes(NpmrcFile npmrc)
    {
        if ((NpmEnv("prefix") ?? npmrc.Get("prefix")) is { } configured)
        {
            yield return configured;
        }

        yield return Path.Combine(options.Home, ".npm-global");
        yield return Path.Combine(options.Home, "AppData", "Roaming", "npm");
        var nvm = Env("NVM_DIR") ?? Path.Combine(options.Home, ".nvm");
        foreach (var version in SafeDirectories(Path.Combine(nvm, "versions", "node")))
        {
            yield return version;
        }

        // npm's built-in default: the prefix of the node it runs with (<prefix>/bin/node), e.g. a tarball install in /opt.
        foreach (var p in NodePrefixesOnPath())
        {
            yield return p;
        }

        foreach (var p in options.SystemPrefixes ?? (options.HomeOverridden ? [] : s_defaultSystemPrefixes))
        {
            yield return p;
        }
    }

    private IEnumerable<string> NodePrefixesOnPath()
    {
        foreach (var dir in (Env("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var node = Path.Combine(dir, "node");
            string? real;
            try
            {
                real = File.Exists(node) ? new FileInfo(node).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(node) : null;
            }
            catch (IOException)
            {
                // A looping or broken link is no node binary; other prefixes are still searched.
                real = null;
            }

            if (real is not null && Path.GetDirectoryName(Path.GetDirectoryName(real)) is { } prefix)
            {
                yield return prefix;
            }
        }
    }

    // Unix prefixes keep globals in lib/node_modules, Windows ones directly in node_modules.
    private static IEnumerable<InstallRoot> PrefixRoots(string prefix, InstallKind kind)
    {
        foreach (var nodeModules in new[] { Path.Combine(prefix, "lib", "node_modules"), Path.Combine(prefix, "node_modules") })
        {
            if (Directory.Exists(nodeModules))
            {
                yield return new InstallRoot(kind, nodeModules, prefix);
            }
        }
    }

    // Volta installs each global package into its own image: ~/.volta/tools/image/packages/<name>/lib/node_modules.
    private IEnumerable<InstallRoot> VoltaRoots()
    {
        var packages = Path.Combine(Env("VOLTA_HOME") ?? Path.Combine(options.Home, ".volta"), "tools", "image", "packages");
        foreach (var image in SafeDirectories(packages))
        {
            var dirs = Path.GetFileName(image).StartsWith('@') ? SafeDirectories(image) : [image];
            foreach (var d in dirs)
            {
                foreach (var root in PrefixRoots(d, InstallKind.Volta))
                {
                    yield return root;
                }
            }
        }
    }

    // pnpm's global folder: $PNPM_HOME/global/<layout version>/node_modules (default PNPM_HOME ~/.local/share/pnpm).
    private IEnumerable<InstallRoot> PnpmGlobalRoots()
    {
        var pnpmHome = Env("PNPM_HOME") ?? Path.Combine(options.Home, ".local", "share", "pnpm");
        foreach (var layout in SafeDirectories(Path.Combine(pnpmHome, "global")))
        {
            var nodeModules = Path.Combine(layout, "node_modules");
            if (Directory.Exists(nodeModules))
            {
                yield return new InstallRoot(InstallKind.GlobalPnpm, nodeModules, layout);
            }
        }
    }

    /// <summary>Every node_modules under <paramref name="folder"/> (not inside another node_modules: the walker covers those).</summary>
    private void ProjectRoots(string folder, int depth, List<InstallRoot> into, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Path.GetFileName(folder) == "node_modules")
        {
            into.Add(new InstallRoot(InstallKind.Project, folder, Path.GetDirectoryName(folder)!));
            return;
        }

        if (depth > options.Limits.MaxSearchDepth)
        {
            return;
        }

        foreach (var child in SafeDirectories(folder))
        {
            var name = Path.GetFileName(child);
            // Version-control metadata never holds installs; a symlinked folder is skipped so a link to / or to an
            // ancestor cannot turn the search into a walk of the whole disk (a linked node_modules is still walked).
            if (name is ".git" or ".hg" or ".svn" || (name != "node_modules" && IsSymlink(child)))
            {
                continue;
            }

            ProjectRoots(child, depth + 1, into, cancellationToken);
        }
    }

    internal static bool IsSymlink(string path)
    {
        try
        {
            return new DirectoryInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The subfolders of <paramref name="path"/>; a folder that exists but cannot be listed is reported, not fatal.</summary>
    private IEnumerable<string> SafeDirectories(string path) => InventoryIo.ListDirectories(path, problems);
}
