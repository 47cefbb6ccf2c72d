namespace McpGuard.Investigate.Inventory;

/// <summary>The exact shell commands that remove one installed package from where it was found.</summary>
internal static class CleanupCommands
{
    public static IReadOnlyList<string> For(InstalledPackage p)
    {
        var root = p.Root;
        return root.Kind switch
        {
            // npx re-creates an entry on demand, so deleting the whole hash folder is the clean way (npm has no command for one entry).
            InstallKind.NpxCache => [$"rm -rf {Quote(root.Owner)}"],
            InstallKind.GlobalNpm => [$"npm uninstall -g --prefix {Quote(root.Owner)} {Quote(p.TopLevelFolder)}"],
            InstallKind.Volta => [$"volta uninstall {Quote(p.TopLevelFolder)}"],
            InstallKind.GlobalPnpm => [$"pnpm remove -g {Quote(p.TopLevelFolder)}"],
            _ when p.InPnpmStore => [$"pnpm remove --dir {Quote(root.Owner)} {Quote(p.Name)}", $"rm -rf {Quote(p.Directory)}"],
            _ => [$"npm uninstall {Quote(p.TopLevelFolder)} --prefix {Quote(root.Owner)}"],
        };
    }

    /// <summary>POSIX single quotes, so a path with spaces or $ is taken literally; bare when nothing needs quoting.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '@' or '+' or ':' or '=' or ',')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
