namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// How the bubblewrap launcher builds sandboxes. Immutable; check with <see cref="BubblewrapOptionsValidator"/>.
/// Tool paths left null are looked up on the host PATH when needed.
/// </summary>
public sealed record BubblewrapOptions
{
    /// <summary>The bwrap executable; a bare name is looked up on PATH.</summary>
    public string BwrapPath { get; init; } = "bwrap";

    /// <summary>socat for the in-sandbox relay; null = look it up on PATH.</summary>
    public string? SocatPath { get; init; }

    /// <summary>node for the fallback relay when socat is absent; null = look it up on PATH.</summary>
    public string? NodePath { get; init; }

    /// <summary>
    /// 3128: the relay's port on 127.0.0.1 inside the sandbox. Each sandbox has its own network namespace, so the
    /// same port never collides between servers or with the host.
    /// </summary>
    public int RelayPort { get; init; } = 3128;

    /// <summary>
    /// Host folder where the launcher writes its read-only assets (the Node preload, the relay script, a minimal
    /// passwd/group/hosts). Created with mode 0700. Default: $XDG_RUNTIME_DIR/mcpguard or /tmp/mcpguard-UID.
    /// </summary>
    public string? AssetDirectory { get; init; }

    /// <summary>
    /// Files or folders that must never be visible inside a sandbox, such as McpGuard's data dir holding the CA key.
    /// If a --ro/--rw path contains one, it is masked (an empty tmpfs or /dev/null is mounted over it).
    /// </summary>
    public IReadOnlyList<string> ProtectedPaths { get; init; } = [];

    /// <summary>Load the Node preload (NODE_OPTIONS=--require) that routes fetch and http/https through the proxy.</summary>
    public bool NodeProxyPreload { get; init; } = true;

    /// <summary>
    /// 5 s: the relay binds in a few milliseconds, but a loaded machine can stall process start-up; a relay that
    /// exits is noticed at once. After this the sandbox refuses to start the server.
    /// </summary>
    public TimeSpan RelayStartTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

public static class BubblewrapOptionsValidator
{
    /// <exception cref="ArgumentException">An option is out of range or not absolute where it must be.</exception>
    public static BubblewrapOptions Validate(BubblewrapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.BwrapPath))
        {
            throw new ArgumentException("BwrapPath must not be empty.", nameof(options));
        }

        if (options.RelayPort is <= 0 or > 65535)
        {
            throw new ArgumentException($"RelayPort {options.RelayPort} is not a TCP port.", nameof(options));
        }

        if (options.RelayStartTimeout <= TimeSpan.Zero || options.RelayStartTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("RelayStartTimeout must be between 0 and 1 minute.", nameof(options));
        }

        foreach (var path in options.ProtectedPaths)
        {
            if (!Path.IsPathFullyQualified(path))
            {
                throw new ArgumentException($"Protected path '{path}' must be absolute.", nameof(options));
            }
        }

        if (options.AssetDirectory is { } dir && !Path.IsPathFullyQualified(dir))
        {
            throw new ArgumentException($"AssetDirectory '{dir}' must be absolute.", nameof(options));
        }

        return options;
    }
}
