using McpGuard.Core.Intel;

namespace McpGuard.Verify.Resolution;

/// <summary>An npm package spec as npx takes it: name, @scope/name, name@1.2.3, name@^1, name@latest.</summary>
internal readonly record struct NpmSpec(string Name, string? Requested, bool IsRegistryPackage)
{
    public bool Pinned => IsRegistryPackage && VersionRanges.IsExactSemVer(Requested);

    public static NpmSpec Parse(string spec)
    {
        // git URLs, tarballs, local folders and aliases are not registry names; they are reported as given.
        if (spec.StartsWith('.') || spec.StartsWith('/') || spec.StartsWith('~') || spec.Contains("://", StringComparison.Ordinal)
            || spec.StartsWith("github:", StringComparison.Ordinal) || spec.StartsWith("git+", StringComparison.Ordinal)
            || spec.StartsWith("file:", StringComparison.Ordinal) || spec.EndsWith(".tgz", StringComparison.Ordinal))
        {
            return new NpmSpec(spec, null, false);
        }

        var at = spec.StartsWith('@') ? spec.IndexOf('@', 1) : spec.IndexOf('@');
        if (at <= 0)
        {
            return new NpmSpec(spec, null, true);
        }

        var requested = spec[(at + 1)..];
        return new NpmSpec(spec[..at], requested.Length == 0 ? null : requested, true);
    }
}
