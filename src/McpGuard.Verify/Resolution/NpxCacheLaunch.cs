using System.Text.Json;

namespace McpGuard.Verify.Resolution;

/// <summary>A package runner launch turned into <c>node BIN ARGS</c> on a copy already installed (npx cache first).</summary>
/// <param name="Name">npm package name.</param>
/// <param name="Version">The installed copy's version.</param>
/// <param name="PackageFolder">The package's own folder.</param>
/// <param name="NodeModules">The node_modules folder holding the package and its dependencies (mount it read-only).</param>
/// <param name="BinScript">The bin entry's script, inside <see cref="PackageFolder"/>.</param>
/// <param name="ServerArgs">Arguments after the package spec.</param>
/// <param name="Pinned">True when the launch named an exact version.</param>
public sealed record CachedNpmLaunch(
    string Name, string Version, string PackageFolder, string NodeModules, string BinScript, IReadOnlyList<string> ServerArgs, bool Pinned);

/// <summary>What <see cref="NpxCacheLaunch.Lookup"/> found: the launch, or why there is none.</summary>
public sealed record NpxCacheLookup(string Package, string? Requested, CachedNpmLaunch? Launch, string? Problem);

/// <summary>
/// For a sandbox: npx and its cousins need the network to fetch a package, and a sandbox has none, so the sandbox
/// runs the copy npx already installed (the same one <see cref="LaunchResolver"/> reports) with node instead.
/// </summary>
public static class NpxCacheLaunch
{
    /// <summary>
    /// Null when <paramref name="command"/> is not a package runner (npx, npm exec, pnpm dlx, ...). Otherwise the
    /// installed copy (the exact version when pinned, else the one npx would pick first) and its bin script, or a
    /// problem saying why it cannot run offline.
    /// </summary>
    public static NpxCacheLookup? Lookup(string command, IReadOnlyList<string> args, ResolutionOptions options, string? projectFolder)
    {
        var start = NpmLaunch.RunnerStart(CommandLine.BaseName(command), args);
        if (start < 0)
        {
            return null;
        }

        var (spec, bin, serverArgs) = NpmLaunch.ParseWithBin(args, start);
        if (spec is not { } s)
        {
            return new NpxCacheLookup(command, null, null, "no package named after the runner's options");
        }

        if (!s.IsRegistryPackage)
        {
            return new NpxCacheLookup(s.Name, null, null, "only registry packages (name or name@version) can be run from the npx cache");
        }

        var copies = new NpmInstallLocator(options).FindCopies(s.Name, projectFolder);
        var copy = LaunchResolver.ChooseCopy(copies, s);
        var display = s.Requested is null ? s.Name : $"{s.Name}@{s.Requested}";
        if (copy is null)
        {
            var have = copies.Count == 0 ? "no version of it is installed" : "installed: " + string.Join(", ", copies.Select(c => c.Version).Distinct());
            return new NpxCacheLookup(s.Name, s.Requested, null, $"{display} is not in the npx cache ({have})");
        }

        var packageFolder = Path.GetDirectoryName(copy.PackageJsonPath)!;
        var binScript = BinScript(packageFolder, s.Name, bin);
        if (binScript is null)
        {
            return new NpxCacheLookup(s.Name, s.Requested, null, $"{display} ({copy.PackageJsonPath}) has no bin entry{(bin is null ? "" : $" named '{bin}'")} to run");
        }

        var nodeModules = Path.GetDirectoryName(s.Name.StartsWith('@') ? Path.GetDirectoryName(packageFolder)! : packageFolder)!;
        return new NpxCacheLookup(s.Name, s.Requested, new CachedNpmLaunch(s.Name, copy.Version, packageFolder, nodeModules, binScript, serverArgs, s.Pinned), null);
    }

    /// <summary>
    /// The script npx would run: package.json "bin" as a string, else the entry named <paramref name="bin"/>, else
    /// the one named like the unscoped package, else the only one. Null when none applies or it leaves the package.
    /// </summary>
    internal static string? BinScript(string packageFolder, string name, string? bin)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(packageFolder, "package.json")), new JsonDocumentOptions { MaxDepth = 64 });
            if (!doc.RootElement.TryGetProperty("bin", out var entries))
            {
                return null;
            }

            string? relative = null;
            if (entries.ValueKind == JsonValueKind.String && bin is null)
            {
                relative = entries.GetString();
            }
            else if (entries.ValueKind == JsonValueKind.Object)
            {
                var all = entries.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToList();
                var unscoped = name[(name.LastIndexOf('/') + 1)..];
                relative = (bin is not null
                    ? all.FirstOrDefault(p => p.Name == bin)
                    : all.FirstOrDefault(p => p.Name == unscoped) is { Name: not null } named ? named
                    : all.Count == 1 ? all[0] : default).Value is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
            }

            if (string.IsNullOrEmpty(relative))
            {
                return null;
            }

            var full = Path.GetFullPath(relative, packageFolder);

            // Fail closed: a bin that points outside its own package is not what the package review covered.
            return full.StartsWith(packageFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) ? full : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
