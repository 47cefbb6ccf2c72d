namespace McpGuard.Verify.Install;

/// <summary>A stdio server's launch as a client config writes it: the command and its arguments, all plain strings.</summary>
public sealed record ServerLaunch(string Command, IReadOnlyList<string> Args);

/// <summary>An edit's decision for one server: the launch to write instead, and the action to report.</summary>
public sealed record LaunchEdit(ServerLaunch Launch, string Action);
