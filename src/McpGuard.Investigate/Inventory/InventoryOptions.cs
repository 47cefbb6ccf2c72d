using McpGuard.Core;

namespace McpGuard.Investigate.Inventory;

/// <summary>
/// Where <c>mcpguard scan --installed</c> looks. Immutable; <see cref="Validate"/> checks the folders exist.
/// </summary>
public sealed record InventoryOptions
{
    /// <summary>The home folder whose npx cache, ~/.npmrc, ~/.npm-global, nvm, volta and pnpm stores are read.</summary>
    public required string Home { get; init; }

    /// <summary>
    /// True with --home: the running user's environment (NPM_CONFIG_PREFIX, npm_config_cache, NVM_DIR, PNPM_HOME) and
    /// machine-wide prefixes belong to this machine's user, not to the home being audited, so they are not read.
    /// </summary>
    public bool HomeOverridden { get; init; }

    public Func<string, string?> Environment { get; init; } = _ => null;

    /// <summary>Folders whose node_modules (at any depth up to <see cref="InventoryLimits.MaxSearchDepth"/>) are inventoried (--path).</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>
    /// Machine-wide npm prefixes (each holds lib/node_modules). Null: the usual ones (/usr/local, /usr, /opt/homebrew)
    /// unless <see cref="HomeOverridden"/>; tests pass their own.
    /// </summary>
    public IReadOnlyList<string>? SystemPrefixes { get; init; }

    public InventoryLimits Limits { get; init; } = InventoryLimits.Default;

    /// <summary>Throws <see cref="UserInputException"/> naming the --home or --path folder that does not exist.</summary>
    public void Validate()
    {
        if (!Directory.Exists(Home))
        {
            throw new UserInputException($"--home folder not found: {Home}");
        }

        foreach (var p in Paths)
        {
            if (!Directory.Exists(p))
            {
                throw new UserInputException($"--path folder not found: {p}");
            }
        }
    }
}

/// <summary>Bounds that keep a crafted or looping tree from making the inventory run forever.</summary>
public sealed record InventoryLimits
{
    /// <summary>Nested node_modules levels followed: npm 2-era trees nest one level per dependency and rarely pass 20.</summary>
    public int MaxNesting { get; init; } = 32;

    /// <summary>Folder levels below a --path searched for node_modules: deep enough for monorepos (apps/x/packages/y).</summary>
    public int MaxSearchDepth { get; init; } = 10;

    /// <summary>package.json files larger than this are not parsed: real ones are a few KiB; 4 MiB leaves room for bundled manifests.</summary>
    public long MaxPackageJsonBytes { get; init; } = 4L * 1024 * 1024;

    public static InventoryLimits Default { get; } = new();
}
