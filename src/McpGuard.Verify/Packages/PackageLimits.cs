namespace McpGuard.Verify.Packages;

/// <summary>Bounds on what McpGuard reads from one package, so a hostile archive cannot exhaust memory or time.</summary>
public sealed record PackageLimits
{
    /// <summary>Large real MCP servers ship a few thousand files; 20,000 leaves room without allowing zip-bomb style entry floods.</summary>
    public int MaxEntries { get; init; } = 20_000;

    /// <summary>Bundled single-file servers reach a few MB; 16 MB keeps one file (and its AST) well inside memory.</summary>
    public long MaxFileBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>The unpacked size npm itself would accept for an MCP server comfortably; beyond it analysis stops.</summary>
    public long MaxTotalBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Registry tarballs above this are refused before download completes (the biggest benign corpus package is ~5 MB).</summary>
    public long MaxTarballBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>JavaScript above this is not parsed (minified bundles stay below); it is reported, never silently skipped.</summary>
    public long MaxJavaScriptBytes { get; init; } = 8L * 1024 * 1024;

    public static PackageLimits Default { get; } = new();

    /// <summary>Throws when a limit is not positive, so a bad configuration fails at start-up, not mid-scan.</summary>
    public void Validate()
    {
        if (MaxEntries <= 0 || MaxFileBytes <= 0 || MaxTotalBytes <= 0 || MaxTarballBytes <= 0 || MaxJavaScriptBytes <= 0)
        {
            throw new ArgumentException("Every package limit must be positive.");
        }
    }
}
