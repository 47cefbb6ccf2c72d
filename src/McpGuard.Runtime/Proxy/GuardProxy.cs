using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Proxy;

/// <summary>Entry point of the stdio proxy: runs one guarded session between a client's streams and a started server.</summary>
public static class GuardProxy
{
    /// <summary>
    /// Forwards between <paramref name="clientInput"/>/<paramref name="clientOutput"/> (our stdin/stdout) and
    /// <paramref name="server"/> until either side ends. Never throws for peer misbehaviour; returns why it ended.
    /// </summary>
    public static Task<SessionResult> RunAsync(
        GuardOptions options,
        GuardServices services,
        Stream clientInput,
        Stream clientOutput,
        IServerProcess server,
        CancellationToken cancellationToken = default) =>
        new GuardSession(options, services, clientInput, clientOutput, server).RunAsync(cancellationToken);
}
