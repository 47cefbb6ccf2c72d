namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Bounds on what one proxied session may hold (Kestrel-style: each default carries its reason). Every limit
/// fails closed: the frame or request over it is answered with a JSON-RPC error and never forwarded.
/// </summary>
public sealed record GuardLimits
{
    public static GuardLimits Default { get; } = new();

    /// <summary>
    /// 16 MiB: a 10 MiB image base64-encodes to ~13.4 MiB, the largest result real servers send in one frame;
    /// a never-ending line from a hostile peer costs at most this much memory per direction.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>64: JSON nesting beyond this is not a real tool schema or argument, only a parser stress test.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>256: an agent runs a handful of calls in parallel; more means a runaway loop or a flood.</summary>
    public int MaxRequestsInFlight { get; init; } = 256;

    /// <summary>10 min: longer than any interactive tool call a person waits for; a stuck call still frees its slot.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>30 s: the proxy's own tools/list (for pin checks) answers in milliseconds on a healthy server.</summary>
    public TimeSpan InternalRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>5 s: the SDK's own stdio shutdown timeout; enough for a server to flush and exit on stdin EOF.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>20 lines: enough for a stack trace's head in the audit log, small enough to keep per session.</summary>
    public int StderrTailLines { get; init; } = 20;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first limit out of range.</summary>
    public GuardLimits Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, 1024, nameof(MaxFrameBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJsonDepth, 8, nameof(MaxJsonDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestsInFlight, 1, nameof(MaxRequestsInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InternalRequestTimeout, TimeSpan.Zero, nameof(InternalRequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownGrace, TimeSpan.Zero, nameof(ShutdownGrace));
        ArgumentOutOfRangeException.ThrowIfLessThan(StderrTailLines, 0, nameof(StderrTailLines));
        return this;
    }
}
