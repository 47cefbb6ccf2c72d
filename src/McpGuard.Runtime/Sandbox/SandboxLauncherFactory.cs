using McpGuard.Core;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>The launcher `mcpguard run` uses, and what to tell the user about it.</summary>
/// <param name="Launcher">Starts the server.</param>
/// <param name="IsConfined">True for bubblewrap; false for unconfined or proxy-environment mode.</param>
/// <param name="Warning">Non-null when the server runs without a sandbox: print it on stderr, loudly, every start.</param>
/// <param name="Probe">The probe result when one ran (auto/bwrap).</param>
public sealed record SandboxSelection(IServerLauncher Launcher, bool IsConfined, string? Warning, SandboxProbeResult? Probe);

/// <summary>Picks the launcher for --sandbox auto|bwrap|none. Never falls back to unconfined on its own (fail closed).</summary>
public static class SandboxLauncherFactory
{
    public const string UnconfinedWarning =
        "WARNING: --sandbox none: the MCP server runs UNCONFINED with your user's full access to files, network and " +
        "environment. McpGuard cannot stop it from reading your home, your keys, or connecting anywhere directly.";

    public const string ProxyEnvironmentWarning =
        "WARNING: no bubblewrap sandbox on this operating system: the MCP server runs unconfined in proxy-environment " +
        "mode. Its HTTP(S) goes through McpGuard only if it honours HTTP(S)_PROXY; it can read your files and connect " +
        "directly. See docs/sandbox.md.";

    /// <param name="mode">From <see cref="SandboxModes.Parse"/>.</param>
    /// <param name="options">Bubblewrap options (asset folder, protected paths such as the data dir with the CA key).</param>
    /// <param name="unconfined">Builds the unconfined launcher (owned by the process area); called only for none / non-Linux auto.</param>
    /// <exception cref="UserInputException">A sandbox was required (auto on Linux, or bwrap) and cannot be built: says why and how to fix.</exception>
    public static async Task<SandboxSelection> CreateAsync(
        SandboxMode mode, BubblewrapOptions options, Func<IServerLauncher> unconfined, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unconfined);
        if (mode == SandboxMode.None)
        {
            return new SandboxSelection(unconfined(), false, UnconfinedWarning, null);
        }

        if (mode == SandboxMode.Auto && !OperatingSystem.IsLinux())
        {
            // Documented as weaker: there is no bubblewrap here; egress still goes to the proxy by environment.
            return new SandboxSelection(unconfined(), false, ProxyEnvironmentWarning, null);
        }

        var probe = await SandboxProbe.RunAsync(options, cancellationToken);
        if (!probe.IsAvailable)
        {
            // Fail closed: refusing to start is safer than silently running a server unconfined.
            throw new UserInputException(
                $"{SandboxModes.OptionName} {SandboxModes.Format(mode)}: refusing to start the server without a sandbox: " +
                $"{probe.Reason}. Fix: {probe.Remedy}. To run it unconfined anyway (not recommended): {SandboxModes.OptionName} none.");
        }

        if (probe.Relay is null)
        {
            // Fail closed: without a relay the server's only network path (the egress proxy) would be missing.
            throw new UserInputException(
                $"{SandboxModes.OptionName} {SandboxModes.Format(mode)}: refusing to start the server: neither socat nor node is " +
                "available to run the egress relay inside the sandbox. Fix: install socat (apt-get install socat).");
        }

        return new SandboxSelection(new BubblewrapServerLauncher(options), true, null, probe);
    }
}
