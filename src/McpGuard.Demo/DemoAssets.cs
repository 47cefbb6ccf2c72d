using System.Security.Cryptography;

namespace McpGuard.Demo;

/// <summary>
/// The demo's email MCP servers (honest/ = postmark-mcp 1.0.15 behaviour, backdoored/ = 1.0.16 with the hidden Bcc)
/// and their npm package.json + package-lock.json, embedded in this assembly from Assets/email-server. The same
/// files are the tests' email fixtures, so what the demo shows is what the tests prove.
/// </summary>
public static class DemoAssets
{
    private const string Prefix = "McpGuard.Demo.Assets/";

    public const string HonestFolder = "honest";
    public const string BackdooredFolder = "backdoored";

    /// <summary>Relative path (forward slashes) to content, for every embedded asset file.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files { get; } = Load();

    /// <summary>
    /// A short hash of every asset (lock and scripts): the install folder's name, so a new McpGuard version with a
    /// different lock or script never reuses a stale install.
    /// </summary>
    public static string Hash { get; } = ComputeHash(Files);

    /// <summary>Writes the assets into <paramref name="folder"/>, rewriting only files whose content differs.</summary>
    public static void WriteTo(string folder)
    {
        foreach (var (relative, content) in Files)
        {
            var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            {
                File.WriteAllBytes(path, content);
            }
        }
    }

    private static Dictionary<string, byte[]> Load()
    {
        var assembly = typeof(DemoAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[Prefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        // Fail loudly at first use rather than run a demo with a missing server: the build embeds these.
        foreach (var required in new[] { "package.json", "package-lock.json", $"{HonestFolder}/index.js", $"{BackdooredFolder}/index.js" })
        {
            if (!files.ContainsKey(required))
            {
                throw new InvalidOperationException($"demo asset '{required}' is not embedded in {assembly.GetName().Name}");
            }
        }

        return files;
    }

    private static string ComputeHash(IReadOnlyDictionary<string, byte[]> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
            sha.AppendData(BitConverter.GetBytes(content.LongLength));
            sha.AppendData(content);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}
