using System.Diagnostics;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// Starts each MCP server in its own bubblewrap sandbox: new user, PID, IPC, UTS and network namespaces (loopback
/// only), no capabilities, a minimal read-only root, the package tree read-only, an empty home, a private /tmp, an
/// explicit environment, and, when the spec names an egress socket, a relay on 127.0.0.1 to the egress proxy with
/// the proxy variables set. Run <see cref="SandboxProbe"/> first; this class assumes bwrap works.
/// </summary>
public sealed class BubblewrapServerLauncher : IServerLauncher
{
    private readonly BubblewrapCommandBuilder _builder;

    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    /// <exception cref="SandboxUnavailableException">bwrap (or sh/sleep) is missing.</exception>
    public BubblewrapServerLauncher(BubblewrapOptions? options = null)
        : this(options, tools: null)
    {
    }

    /// <summary>With explicit host tools (tests: force the node relay, or a relay that fails).</summary>
    internal BubblewrapServerLauncher(BubblewrapOptions? options, SandboxHostTools? tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("bubblewrap sandboxes exist only on Linux.");
        }

        Options = BubblewrapOptionsValidator.Validate(options ?? new BubblewrapOptions());
        Tools = tools ?? ResolveTools(Options);
        Assets = SandboxAssets.Ensure(Options.AssetDirectory);
        _builder = new BubblewrapCommandBuilder(Options, Tools, Assets);
    }

    public BubblewrapOptions Options { get; }

    internal SandboxHostTools Tools { get; }

    internal SandboxAssetPaths Assets { get; }

    /// <exception cref="SandboxLaunchException">The command or a mount path cannot be used as given.</exception>
    /// <exception cref="SandboxUnavailableException">No relay program exists for a spec with an egress socket.</exception>
    public Task<IServerProcess> StartAsync(ServerLaunchSpec spec, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var command = BuildCommand(spec);
        var process = Process.Start(command.ToStartInfo()) ?? throw new SandboxLaunchException("bwrap did not start");
        return Task.FromResult<IServerProcess>(new ChildServerProcess(process));
    }

    internal BubblewrapCommand BuildCommand(ServerLaunchSpec spec) => _builder.Build(spec);

    internal static SandboxHostTools ResolveTools(BubblewrapOptions options)
    {
        var bwrap = ExecutableLocator.Find(options.BwrapPath)
            ?? throw new SandboxUnavailableException(
                $"bubblewrap ('{options.BwrapPath}') is not installed or not on PATH",
                "install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)");
        var shell = File.Exists("/bin/sh") ? "/bin/sh" : ExecutableLocator.Find("sh")
            ?? throw new SandboxUnavailableException("no /bin/sh for the sandbox's relay wrapper", "install a POSIX shell");
        var sleep = ExecutableLocator.Find("sleep")
            ?? throw new SandboxUnavailableException("no sleep(1) for the sandbox's relay wrapper", "install coreutils");
        return new SandboxHostTools(
            bwrap,
            shell,
            sleep,
            VisibleTool(options.SocatPath ?? "socat"),
            VisibleTool(options.NodePath ?? "node"));
    }

    /// <summary>A relay tool only counts if it lives under /usr (or a symlinked system root), which every sandbox mounts.</summary>
    private static string? VisibleTool(string name)
    {
        var found = ExecutableLocator.Find(name);
        if (found is null)
        {
            return null;
        }

        var real = ExecutableLocator.RealPath(found);
        return SandboxPaths.IsSameOrUnder(real, "/usr") ? real : null;
    }
}
