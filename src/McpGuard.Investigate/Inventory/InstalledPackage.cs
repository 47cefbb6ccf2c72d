namespace McpGuard.Investigate.Inventory;

/// <summary>What kind of place a package was installed in; it decides how to remove it.</summary>
public enum InstallKind
{
    /// <summary><c>&lt;npm cache&gt;/_npx/&lt;hash&gt;/node_modules</c>: what <c>npx -y name</c> runs.</summary>
    NpxCache,

    /// <summary>An npm global prefix (<c>npm install -g</c>), including nvm's per-version prefixes.</summary>
    GlobalNpm,

    /// <summary>Volta's per-package global image (<c>volta install</c>).</summary>
    Volta,

    /// <summary>pnpm's global folder (<c>pnpm add -g</c>).</summary>
    GlobalPnpm,

    /// <summary>A project's node_modules (under a --path folder).</summary>
    Project,
}

/// <summary>
/// One node_modules folder at the top of an install place. <see cref="Owner"/> is what a cleanup command acts on:
/// the npx entry folder, the npm prefix, or the project folder.
/// </summary>
public sealed record InstallRoot(InstallKind Kind, string NodeModules, string Owner)
{
    /// <summary>For people: "npx cache", "global npm prefix", ...</summary>
    public string Describe() => Kind switch
    {
        InstallKind.NpxCache => "npx cache",
        InstallKind.GlobalNpm => "global npm prefix",
        InstallKind.Volta => "volta global packages",
        InstallKind.GlobalPnpm => "pnpm global packages",
        _ => "project node_modules",
    };
}

/// <summary>
/// One installed package: name and version from its package.json (the name may differ from the folder for npm
/// aliases), and where it sits. <see cref="TopLevelFolder"/> is the entry directly under the root's node_modules that
/// brought it in (its own folder when <see cref="Nesting"/> is 0): the one a person can uninstall.
/// </summary>
public sealed record InstalledPackage(
    string Name,
    string Version,
    string Directory,
    InstallRoot Root,
    string TopLevelFolder,
    int Nesting,
    bool InPnpmStore)
{
    public string PackageJsonPath => Path.Combine(Directory, "package.json");
}
