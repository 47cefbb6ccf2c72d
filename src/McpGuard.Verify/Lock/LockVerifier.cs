namespace McpGuard.Verify.Lock;

/// <summary>One problem <c>mcpguard verify</c> (or start-up of <c>mcpguard run</c>) found with a locked server.</summary>
public sealed record LockProblem(string Server, string Message);

/// <summary>
/// Checks a lock without starting anything: every hash is well formed, every stored definition still hashes to
/// its pin, and the installed package (when the command points into node_modules) is the approved version with
/// the approved integrity.
/// </summary>
public static class LockVerifier
{
    public static IReadOnlyList<LockProblem> Verify(LockFile lockFile, string workingDirectory)
    {
        var problems = new List<LockProblem>();
        foreach (var (name, server) in lockFile.Servers)
        {
            foreach (var (toolName, tool) in server.Tools)
            {
                var definition = ToolPin.FromDefinitionJson(tool.Definition);
                if (definition.Name != toolName)
                {
                    problems.Add(new LockProblem(name, $"tool '{toolName}': stored definition is named '{definition.Name}'"));
                }
                else if (ToolPin.Hash(definition) != tool.Hash)
                {
                    problems.Add(new LockProblem(name, $"tool '{toolName}': stored definition does not match its hash (edited by hand?)"));
                }
            }

            problems.AddRange(CheckPackage(name, server, workingDirectory));
        }

        return problems;
    }

    /// <summary>Compares the installed package with the locked one; empty when they match or nothing can be computed.</summary>
    public static IReadOnlyList<LockProblem> CheckPackage(string name, LockedServer server, string workingDirectory)
    {
        if (server.Package is not { } locked)
        {
            return [];
        }

        var installed = InstalledPackageLocator.Locate(server.Command, server.Args, workingDirectory);
        if (installed is null)
        {
            return [];
        }

        if (installed.Name != locked.Name || installed.Version != locked.Version)
        {
            return [new LockProblem(name, $"installed package is {installed.Name}@{installed.Version}, the lock approved {locked.Name}@{locked.Version}")];
        }

        if (locked.Integrity is not null && installed.Integrity is not null && installed.Integrity != locked.Integrity)
        {
            return [new LockProblem(name, $"installed {installed.Name}@{installed.Version} has integrity {installed.Integrity}, the lock approved {locked.Integrity}")];
        }

        return [];
    }
}
