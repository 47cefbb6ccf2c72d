using System.Diagnostics;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>What the start-up probe found. When <see cref="IsAvailable"/> is false, Reason and Remedy say why and how to fix.</summary>
public sealed record SandboxProbeResult
{
    public required bool IsAvailable { get; init; }

    public string? BwrapPath { get; init; }

    public string? Version { get; init; }

    /// <summary>"socat", "node" or null: the relay the sandbox will run for egress. Null means egress cannot work.</summary>
    public string? Relay { get; init; }

    public string? Reason { get; init; }

    public string? Remedy { get; init; }

    /// <summary>One line for a refusal message: reason and fix.</summary>
    public string Describe() => IsAvailable
        ? $"bubblewrap {Version} at {BwrapPath}, relay: {Relay ?? "none"}"
        : $"{Reason}. Fix: {Remedy}";
}

/// <summary>
/// Checks at start-up that bwrap exists and that a sandbox built with the launcher's own recipe actually runs
/// (AppArmor's unprivileged-userns restriction, a container without user namespaces or seccomp filters can all
/// make bwrap fail at run time even when it is installed).
/// </summary>
public static class SandboxProbe
{
    /// <summary>10 s: a smoke sandbox starts in milliseconds; this only bounds a wedged bwrap.</summary>
    private static readonly TimeSpan s_smokeTimeout = TimeSpan.FromSeconds(10);

    public static async Task<SandboxProbeResult> RunAsync(BubblewrapOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Unavailable(
                "bubblewrap sandboxes exist only on Linux",
                "on macOS and Windows use --sandbox none (proxy-environment mode: weaker, see docs/sandbox.md)");
        }

        BubblewrapServerLauncher launcher;
        try
        {
            launcher = new BubblewrapServerLauncher(options);
        }
        catch (SandboxUnavailableException e)
        {
            return Unavailable(e.Reason, e.Remedy);
        }

        var relay = launcher.Tools.Socat is not null ? "socat" : launcher.Tools.Node is not null ? "node" : null;

        // The smoke test is the launcher's real recipe (all namespaces, caps dropped, minimal root) running sh.
        var smoke = launcher.BuildCommand(new ServerLaunchSpec { Command = launcher.Tools.Shell, Arguments = ["-c", "exit 0"] });
        var cache = SandboxProbeCache.For(launcher, smoke);
        if (cache?.TryRead() is { } cachedVersion)
        {
            return Available(launcher, cachedVersion, relay);
        }

        var version = await RunToEndAsync(new BubblewrapCommand(launcher.Tools.Bwrap, ["--version"], new Dictionary<string, string>()), cancellationToken);
        var result = await RunToEndAsync(smoke, cancellationToken);
        if (result.ExitCode != 0)
        {
            var (reason, remedy) = Explain(result.StandardError);
            return Unavailable(reason, remedy) with { BwrapPath = launcher.Tools.Bwrap, Version = version.FirstLine, Relay = relay };
        }

        var available = Available(launcher, version.FirstLine.Replace("bubblewrap ", "", StringComparison.Ordinal), relay);
        cache?.Write(available.Version ?? "");
        return available;
    }

    private static SandboxProbeResult Available(BubblewrapServerLauncher launcher, string version, string? relay) => new()
    {
        IsAvailable = true,
        BwrapPath = launcher.Tools.Bwrap,
        Version = version,
        Relay = relay,
    };

    /// <summary>Turns bwrap's error into a reason and the fix that usually applies.</summary>
    internal static (string Reason, string Remedy) Explain(string stderr)
    {
        var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no error output";
        var reason = "bubblewrap is installed but cannot create a sandbox here (" + first + ")";
        if (ReadSysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
        {
            return (reason + "; AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+)",
                "sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0 (persist it in /etc/sysctl.d), or install an AppArmor profile that grants 'userns' to /usr/bin/bwrap");
        }

        if (ReadSysctl("/proc/sys/user/max_user_namespaces") == "0")
        {
            return (reason + "; user namespaces are disabled (user.max_user_namespaces = 0)",
                "sudo sysctl user.max_user_namespaces=15000");
        }

        if (ReadSysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0")
        {
            return (reason + "; unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)",
                "sudo sysctl kernel.unprivileged_userns_clone=1");
        }

        if (File.Exists("/.dockerenv") || File.Exists("/run/.containerenv"))
        {
            return (reason + "; this looks like a container, whose seccomp or AppArmor profile can forbid namespaces",
                "run the container with user namespaces allowed (for Docker: --security-opt seccomp=unconfined --security-opt apparmor=unconfined, or --privileged for CI), or run McpGuard on the host");
        }

        return (reason, "check that bwrap runs: bwrap --unshare-all --unshare-user --ro-bind /usr /usr true; see docs/sandbox.md");
    }

    private static SandboxProbeResult Unavailable(string reason, string remedy) =>
        new() { IsAvailable = false, Reason = reason, Remedy = remedy };

    private static string? ReadSysctl(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record RunResult(int ExitCode, string StandardError, string FirstLine);

    private static async Task<RunResult> RunToEndAsync(BubblewrapCommand command, CancellationToken cancellationToken)
    {
        var start = command.ToStartInfo();
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_smokeTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new RunResult(-1, "timed out after " + s_smokeTimeout.TotalSeconds + " s", "");
            }

            var output = await stdout;
            return new RunResult(process.ExitCode, await stderr, output.Split('\n')[0].Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new RunResult(-1, e.Message, "");
        }
    }
}
