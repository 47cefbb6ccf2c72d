namespace McpGuard.Verify.Install;

/// <summary>A stdio server's launch as a client config writes it: the command and its arguments, all plain strings.</summary>
public sealed record ServerLaunch(string Command, IReadOnlyList<string> Args)
{
    /// <summary>
    /// The names of the environment variables the client sets for (or forwards to) this process, in file order: the
    /// keys of the entry's <c>env</c> map, and for Codex also its <c>env_vars</c> list. Read only, never written: an
    /// edit changes <see cref="Command"/> and <see cref="Args"/>, the env map stays as the user wrote it.
    /// </summary>
    public IReadOnlyList<string> EnvNames { get; init; } = [];

    /// <summary>
    /// VS Code's <c>envFile</c>, verbatim (often <c>${workspaceFolder}/.env</c>): a file of variables the client sets
    /// for the process. Install cannot know the names in it, so the wrapper passes the path on as
    /// <c>--pass-env-file</c> and run reads the names when it starts.
    /// </summary>
    public string? EnvFile { get; init; }
}

/// <summary>An edit's decision for one server: the launch to write instead, and the action to report.</summary>
public sealed record LaunchEdit(ServerLaunch Launch, string Action);
