using McpGuard.Verify.Lock;

namespace McpGuard.Verify.Updates;

/// <summary>Builds the lock entry for an approved version: package, integrity, launch command and tool pins move together.</summary>
public static class LockMove
{
    private static readonly IReadOnlyDictionary<string, LockedTool> s_noPins = new Dictionary<string, LockedTool>(StringComparer.Ordinal);

    /// <summary>
    /// The entry moved to <paramref name="version"/>. <paramref name="tools"/> are the new version's pins; null clears
    /// them, so the next <c>mcpguard run</c> holds every tool until <c>mcpguard approve</c> (fail closed: old pins
    /// are never carried over to code they were not taken from).
    /// </summary>
    public static LockedServer To(LockedServer server, string version, string integrity, IReadOnlyDictionary<string, LockedTool>? tools)
    {
        var package = server.Package ?? throw new InvalidOperationException("only a lock entry with a package can be moved");
        return server with
        {
            Args = NpmLaunchSpec.WithVersion(server.Command, server.Args, package.Name, version) ?? server.Args,
            Package = package with { Version = version, Integrity = integrity },
            Tools = tools ?? s_noPins,
        };
    }

    /// <summary>
    /// The command line that starts <paramref name="version"/> of the entry's package (its npx launch rewritten),
    /// or null when the entry does not launch the package from the registry (e.g. <c>node node_modules/x/index.js</c>).
    /// </summary>
    public static IReadOnlyList<string>? LaunchOf(LockedServer server, string version) =>
        server.Package is { } p && NpmLaunchSpec.WithVersion(server.Command, server.Args, p.Name, version) is { } args
            ? [server.Command, .. args]
            : null;
}
