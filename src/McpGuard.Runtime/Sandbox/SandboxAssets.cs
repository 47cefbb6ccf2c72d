using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace McpGuard.Runtime.Sandbox;

/// <summary>Host paths of the files every sandbox mounts read-only.</summary>
internal sealed record SandboxAssetPaths(string Directory, string NodePreload, string NodeRelay, string Passwd, string Group, string Hosts);

/// <summary>
/// Writes the sandbox's read-only assets into a private host folder (0700). Files are named by content hash and
/// written with temp-file-then-rename, so concurrent McpGuard processes never see a half-written file.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SandboxAssets
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<string, SandboxAssetPaths> s_written = [];

    public static string DefaultDirectory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "mcpguard")
            : Path.Combine(Path.GetTempPath(), "mcpguard-" + CurrentIds().Uid.ToString(CultureInfo.InvariantCulture));
    }

    public static SandboxAssetPaths Ensure(string? directory)
    {
        var dir = directory ?? DefaultDirectory();
        lock (s_gate)
        {
            if (s_written.TryGetValue(dir, out var cached) && File.Exists(cached.NodePreload))
            {
                return cached;
            }

            CreatePrivateDirectory(dir);
            var (uid, gid) = CurrentIds();
            var paths = new SandboxAssetPaths(
                dir,
                Write(dir, "mcpguard-node-proxy", ".cjs", ReadResource("mcpguard-node-proxy.cjs")),
                Write(dir, "mcpguard-relay", ".cjs", ReadResource("mcpguard-relay.cjs")),
                Write(dir, "passwd", "", Passwd(uid, gid)),
                Write(dir, "group", "", Group(gid)),
                Write(dir, "hosts", "", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"));
            s_written[dir] = paths;
            return paths;
        }
    }

    /// <summary>The real uid/gid from /proc/self/status; the sandbox maps the caller to the same ids.</summary>
    internal static (int Uid, int Gid) CurrentIds()
    {
        int uid = 0, gid = 0;
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    uid = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Gid:", StringComparison.Ordinal))
                {
                    gid = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }

        return (uid, gid);
    }

    private static string Passwd(int uid, int gid)
    {
        var sb = new StringBuilder("root:x:0:0:root:" + SandboxPaths.Home + ":/usr/sbin/nologin\n");
        if (uid != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"mcpguard:x:{uid}:{gid}:McpGuard sandbox:{SandboxPaths.Home}:/usr/sbin/nologin\n");
        }

        return sb.Append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n").ToString();
    }

    private static string Group(int gid)
    {
        var sb = new StringBuilder("root:x:0:\n");
        if (gid != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"mcpguard:x:{gid}:\n");
        }

        return sb.Append("nogroup:x:65534:\n").ToString();
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(SandboxAssets).Assembly.GetManifestResourceStream("McpGuard.Runtime.Sandbox.Assets." + name)
            ?? throw new InvalidOperationException($"Embedded sandbox asset {name} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void CreatePrivateDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            // Fail closed on a folder someone else could write to or swap: the sandbox trusts these files.
            var info = new DirectoryInfo(dir);
            var mode = File.GetUnixFileMode(dir);
            if (info.LinkTarget is not null || (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new SandboxUnavailableException(
                    $"the sandbox asset folder {dir} is a symlink or writable by others",
                    "remove it (McpGuard recreates it with mode 0700) or set another asset folder");
            }

            return;
        }

        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Writes a derived file (content-addressed, atomic) into an asset folder made by <see cref="Ensure"/>.</summary>
    internal static string Write(string dir, string stem, string extension, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        var path = Path.Combine(dir, $"{stem}-{hash}{extension}");
        if (File.Exists(path))
        {
            return path;
        }

        WriteAtomically(path, bytes);
        return path;
    }

    /// <summary>Temp file then rename (0644), so a concurrent reader sees the old file or the whole new one.</summary>
    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, path, overwrite: true);
    }
}
