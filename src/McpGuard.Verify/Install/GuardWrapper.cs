using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Install;

/// <summary>
/// The install decision for one launch, whatever the config format: wrap it in <c>mcpguard run --</c>, or remove
/// that wrapper again. Both return null when there is nothing to do, which makes install and undo idempotent.
/// </summary>
public static class GuardWrapper
{
    /// <summary><c>command args</c> → <c>guardCommand run -- command args</c>; null when the launch is already guarded.</summary>
    public static LaunchEdit? Wrap(ServerLaunch launch, string guardCommand)
    {
        if (LaunchResolver.Unwrap(launch.Command, launch.Args).Guarded)
        {
            return null;
        }

        return new LaunchEdit(new ServerLaunch(guardCommand, ["run", "--", launch.Command, .. launch.Args]), "guarded");
    }

    /// <summary>
    /// Removes only the wrapper install adds, <c>mcpguard run [options] -- &lt;command&gt; &lt;args&gt;</c>; null for
    /// any other launch (a <c>dotnet mcpguard</c> or <c>cmd /c</c> wrapper the user wrote stays).
    /// </summary>
    public static LaunchEdit? Unwrap(ServerLaunch launch)
    {
        var args = launch.Args;
        var dashDash = args.ToList().IndexOf("--");
        if (CommandLine.BaseName(launch.Command) != "mcpguard" || args.Count == 0 || args[0] != "run" || dashDash < 0 || dashDash + 1 >= args.Count)
        {
            return null;
        }

        return new LaunchEdit(new ServerLaunch(args[dashDash + 1], args.Skip(dashDash + 2).ToArray()), "unguarded");
    }
}
