using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Verify.Lock;

/// <summary>
/// Finds the npm package a server command runs from disk, and npm's recorded tarball integrity for it
/// (node_modules/.package-lock.json or the project's package-lock.json). Only local files are read; when the
/// command does not point into a node_modules tree the result is null (nothing to pin, nothing to check).
/// </summary>
public static class InstalledPackageLocator
{
    public static LockedPackage? Locate(string command, IEnumerable<string> args, string workingDirectory)
    {
        foreach (var candidate in args.Prepend(command))
        {
            if (candidate.StartsWith('-'))
            {
                continue;
            }

            string full;
            try
            {
                full = Path.GetFullPath(candidate, workingDirectory);
                if (!File.Exists(full))
                {
                    continue;
                }

                full = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                continue;
            }

            if (FindPackageRoot(Path.GetDirectoryName(full)) is { } root && Read(root) is { } package)
            {
                return package;
            }
        }

        return null;
    }

    /// <summary>The package in <paramref name="packageRoot"/> (a folder directly under node_modules or node_modules/@scope).</summary>
    public static LockedPackage? Read(string packageRoot)
    {
        try
        {
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(packageRoot, "package.json")));
            var name = manifest?["name"]?.GetValue<string>();
            var version = manifest?["version"]?.GetValue<string>();
            if (name is null || version is null)
            {
                return null;
            }

            return new LockedPackage(name, version, FindIntegrity(packageRoot, name, version));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? FindPackageRoot(string? dir)
    {
        for (var d = dir is null ? null : new DirectoryInfo(dir); d?.Parent is not null; d = d.Parent)
        {
            var parent = d.Parent;
            var underNodeModules = parent.Name == "node_modules"
                || (parent.Name.StartsWith('@') && parent.Parent?.Name == "node_modules");
            if (underNodeModules && File.Exists(Path.Combine(d.FullName, "package.json")))
            {
                return d.FullName;
            }
        }

        return null;
    }

    private static string? FindIntegrity(string packageRoot, string name, string version)
    {
        var nodeModules = Directory.GetParent(packageRoot)!;
        if (name.StartsWith('@'))
        {
            nodeModules = nodeModules.Parent!;
        }

        // npm writes the hidden lockfile next to the tree and the project lockfile one level up; both key
        // packages by their path relative to the project, e.g. "node_modules/@scope/name".
        string[] lockfiles =
        [
            Path.Combine(nodeModules.FullName, ".package-lock.json"),
            Path.Combine(nodeModules.Parent?.FullName ?? nodeModules.FullName, "package-lock.json"),
        ];
        foreach (var lockfile in lockfiles)
        {
            if (!File.Exists(lockfile))
            {
                continue;
            }

            var doc = JsonNode.Parse(File.ReadAllText(lockfile));
            if (doc?["packages"]?["node_modules/" + name] is JsonObject entry
                && entry["version"]?.GetValue<string>() == version
                && entry["integrity"]?.GetValue<string>() is { } integrity)
            {
                return integrity;
            }
        }

        return null;
    }
}
