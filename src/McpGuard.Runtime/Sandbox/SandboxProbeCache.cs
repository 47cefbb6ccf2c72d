using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// Remembers a successful <see cref="SandboxProbe"/> for the current boot, so `mcpguard run` does not pay two extra
/// bwrap starts (--version and the smoke sandbox, ~25 ms idle, far more on a loaded machine) before every server.
/// The key covers everything the smoke result depends on that can change without a reboot: the bwrap binary (path,
/// size, mtime), the user, the smoke recipe itself (all of its arguments and environment) and the kernel's
/// namespace switches. Only successes are stored; a failure is re-probed every time so its explanation stays current.
/// Fail closed either way: if a cached "available" is stale, bwrap itself refuses at launch and the server never runs.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SandboxProbeCache(string path)
{
    private static readonly string[] s_kernelSwitches =
    [
        "/proc/sys/kernel/random/boot_id",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "/proc/sys/user/max_user_namespaces",
        "/proc/sys/kernel/unprivileged_userns_clone",
    ];

    /// <summary>Null when the key cannot be computed (then the probe simply runs).</summary>
    public static SandboxProbeCache? For(BubblewrapServerLauncher launcher, BubblewrapCommand smoke)
    {
        try
        {
            var bwrap = new FileInfo(ExecutableLocator.RealPath(launcher.Tools.Bwrap));
            var key = new StringBuilder()
                .Append(bwrap.FullName).Append('\n')
                .Append(bwrap.Length.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(bwrap.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(SandboxAssets.CurrentIds().Uid.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var arg in smoke.Arguments)
            {
                key.Append(arg).Append('\0');
            }

            foreach (var (name, value) in smoke.Environment)
            {
                key.Append(name).Append('=').Append(value).Append('\0');
            }

            foreach (var file in s_kernelSwitches)
            {
                key.Append('\n').Append(File.Exists(file) ? File.ReadAllText(file).Trim() : "-");
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..32];
            return new SandboxProbeCache(Path.Combine(launcher.Assets.Directory, $"probe-ok-{hash}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The cached bwrap version, or null when there is no valid entry.</summary>
    public string? TryRead()
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Write(string version)
    {
        try
        {
            // The asset folder is private (0700, checked by SandboxAssets).
            SandboxAssets.WriteAtomically(path, Encoding.UTF8.GetBytes(version + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: without the cache the next start probes again.
        }
    }
}
