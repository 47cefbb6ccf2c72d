namespace McpGuard.Runtime.Processes;

/// <summary>What to start and under which confinement. The environment is explicit: nothing is inherited.</summary>
public sealed record ServerLaunchSpec
{
    public required string Command { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Paths the sandbox mounts read-only (the package tree plus --ro).</summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];

    /// <summary>Paths the sandbox mounts writable (--rw).</summary>
    public IReadOnlyList<string> ReadWritePaths { get; init; } = [];

    /// <summary>The egress proxy's Unix socket for this server; the sandbox relays 127.0.0.1 traffic to it.</summary>
    public string? EgressSocketPath { get; init; }

    /// <summary>
    /// PEM bundle the server must trust (McpGuard's local CA plus the system roots), mounted read-only and named by
    /// NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and the usual variables. Never the CA's private key.
    /// </summary>
    public string? TrustBundlePath { get; init; }
}

/// <summary>A running server process with its stdio.</summary>
public interface IServerProcess : IAsyncDisposable
{
    int ProcessId { get; }
    Stream StandardInput { get; }
    Stream StandardOutput { get; }
    Stream StandardError { get; }

    /// <summary>Completes with the exit code when the process ends.</summary>
    Task<int> Exited { get; }

    /// <summary>Closes stdin, waits up to <paramref name="grace"/>, then kills the process tree.</summary>
    Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default);
}

/// <summary>
/// Starts MCP servers. A seam because the same proxy runs servers unconfined (--sandbox none), in bubblewrap
/// on Linux, or in proxy-environment mode elsewhere.
/// </summary>
public interface IServerLauncher
{
    Task<IServerProcess> StartAsync(ServerLaunchSpec spec, CancellationToken cancellationToken = default);
}
