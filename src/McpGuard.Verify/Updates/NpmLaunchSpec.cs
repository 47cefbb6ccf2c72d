using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Updates;

/// <summary>
/// Finds the npm package spec in a server command line (npx &amp; co., also inside <c>mcpguard run -- …</c> and
/// <c>cmd /c …</c>) and rewrites it to one exact version, leaving every other argument as it was.
/// </summary>
internal static class NpmLaunchSpec
{
    /// <summary>The spec's position in <paramref name="args"/> (of the outer command line), or null when the command runs no registry package.</summary>
    public static (int ArgIndex, string Prefix, NpmSpec Spec)? Find(string command, IReadOnlyList<string> args)
    {
        var (inner, innerArgs, _) = LaunchResolver.Unwrap(command, args);

        // Unwrap only ever drops a prefix, so the inner arguments are the tail of the outer ones.
        var offset = args.Count - innerArgs.Count;
        var start = NpmLaunch.RunnerStart(CommandLine.BaseName(inner), innerArgs);
        if (start < 0 || NpmLaunch.SpecIndex(innerArgs, start) is not { } at)
        {
            return null;
        }

        var spec = NpmSpec.Parse(innerArgs[at.Index][at.Prefix.Length..]);
        return spec.IsRegistryPackage ? (offset + at.Index, at.Prefix, spec) : null;
    }

    /// <summary>The package name this command line runs from the registry, or null.</summary>
    public static string? PackageName(string command, IReadOnlyList<string> args) => Find(command, args)?.Spec.Name;

    /// <summary>True when the command runs <paramref name="name"/> at exactly <paramref name="version"/>.</summary>
    public static bool IsPinnedTo(string command, IReadOnlyList<string> args, string name, string version) =>
        Find(command, args) is { } f && f.Spec.Name == name && f.Spec.Pinned && f.Spec.Requested!.TrimStart('=', 'v') == version;

    /// <summary>
    /// The arguments with the spec of <paramref name="name"/> replaced by <c>name@version</c>; null when the command
    /// line does not run that package from the registry.
    /// </summary>
    public static IReadOnlyList<string>? WithVersion(string command, IReadOnlyList<string> args, string name, string version)
    {
        if (Find(command, args) is not { } f || f.Spec.Name != name)
        {
            return null;
        }

        var copy = args.ToArray();
        copy[f.ArgIndex] = $"{f.Prefix}{name}@{version}";
        return copy;
    }
}
