using McpGuard.Audit;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Policy;
using McpGuard.Verify.Lock;

namespace McpGuard.Runtime.Proxy;

/// <summary>What one guarded session enforces. Immutable; built once by the CLI from flags, policy and lock.</summary>
public sealed record GuardOptions
{
    /// <summary>The server's name (--name, or the lock/policy key); used in the audit log, policy lookup and pins.</summary>
    public required string ServerName { get; init; }

    public ServerPolicy Policy { get; init; } = ServerPolicy.Default;
    public GuardLimits Limits { get; init; } = GuardLimits.Default;

    /// <summary>The approved tools of this server; null turns pinning off (no lock entry).</summary>
    public LockedServer? Pins { get; init; }
}

/// <summary>
/// The collaborators of a session: the seams other areas implement (audit store, scanner, redactor, in-flight
/// registry). <see cref="Audit"/> and <see cref="Scanner"/> may be null: no audit / no scanning.
/// </summary>
public sealed record GuardServices
{
    public IAuditSink? Audit { get; init; }
    public IToolDescriptionScanner? Scanner { get; init; }
    public required ISecretRedactor Redactor { get; init; }
    public IInFlightCallRegistry Calls { get; init; } = new InFlightCallRegistry();
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where warnings and the server's own stderr go (the proxy's stderr; never stdout, which is the protocol).</summary>
    public TextWriter Diagnostics { get; init; } = TextWriter.Null;
}

/// <summary>Why a session ended.</summary>
public enum SessionEnd
{
    /// <summary>The client closed our stdin; the server was stopped.</summary>
    ClientDisconnected,

    /// <summary>The server closed its stdout or exited on its own (crash or exit).</summary>
    ServerExited,
}

public sealed record SessionResult(SessionEnd End, int? ServerExitCode, IReadOnlyList<string> ServerStderrTail);

/// <summary>JSON-RPC error codes the proxy sends. -327xx/-326xx are JSON-RPC's; -320xx are McpGuard's own.</summary>
public static class GuardErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int InvalidParams = -32602;

    /// <summary>Refused by policy or pins (the message says which and how to change it).</summary>
    public const int Blocked = -32001;

    /// <summary>More requests in flight than <see cref="GuardLimits.MaxRequestsInFlight"/>.</summary>
    public const int TooManyRequests = -32002;

    /// <summary>The server exited or sent something invalid instead of an answer.</summary>
    public const int ServerUnavailable = -32003;

    /// <summary>No answer within <see cref="GuardLimits.RequestTimeout"/>.</summary>
    public const int Timeout = -32004;
}
