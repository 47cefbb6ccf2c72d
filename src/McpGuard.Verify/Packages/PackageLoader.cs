using ICSharpCode.SharpZipLib.Zip;
using McpGuard.Core.IO;

namespace McpGuard.Verify.Packages;

/// <summary>
/// Loads a package from what a user types: a .tgz path, a directory, a malware-corpus .tgz.zip (password
/// "infected", read in memory only), or name@version from an npm registry.
/// </summary>
public sealed class PackageLoader(NpmRegistryClient? registry, PackageLimits? limits = null)
{
    private readonly PackageLimits _limits = limits ?? PackageLimits.Default;

    public PackageLimits Limits => _limits;

    public NpmRegistryClient? Registry => registry;

    /// <summary>Resolves a local path against <paramref name="workingDirectory"/> first, then treats the text as name@version.</summary>
    public async Task<LoadedPackage> LoadAsync(string target, string workingDirectory, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(target, workingDirectory);
        if (Directory.Exists(path))
        {
            return FromDirectory(path);
        }

        if (File.Exists(path))
        {
            return path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? FromCorpusZip(path) : FromTarball(path);
        }

        if (LooksLikePath(target) || !PackageSpec.TryParse(target, out var spec))
        {
            throw new PackageLoadException($"'{target}' is neither an existing .tgz file or folder nor a name@version package reference");
        }

        return await FromRegistryAsync(spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<LoadedPackage> FromRegistryAsync(PackageSpec spec, CancellationToken cancellationToken)
    {
        if (registry is null)
        {
            throw new PackageLoadException($"'{spec}' needs a registry, and none is configured (offline)");
        }

        var version = await registry.ResolveAsync(spec.Name, spec.Version, cancellationToken).ConfigureAwait(false);
        var bytes = await registry.DownloadAsync(version, cancellationToken).ConfigureAwait(false);
        return FromCompressed(bytes, $"{spec.Name}@{version.Version}", spec.Name, version.Version, registry.Registry.AbsoluteUri, version.Integrity);
    }

    /// <summary>
    /// A .tgz on disk is not held in memory: it is hashed and scanned once now (manifest, rejected entries, limits) and
    /// re-read from the file entry by entry when analysed. The file is the user's own input; if it changes between
    /// the reads, analysis sees the new content (the integrity shown is of the first read).
    /// </summary>
    public LoadedPackage FromTarball(string path)
    {
        string integrity;
        var log = new ReadLog();
        byte[]? manifest = null;
        var label = Path.GetFileName(path);
        try
        {
            var info = new FileInfo(path);
            if (info.Length > _limits.MaxTarballBytes)
            {
                throw new PackageLoadException($"{path} is larger than {_limits.MaxTarballBytes} bytes; refusing it");
            }

            // InputFile first: a named pipe at a .tgz path would block File.OpenRead forever.
            if (!InputFile.TryOpenRead(path, out var probe, out var problem))
            {
                throw new PackageLoadException($"cannot read {path}: {problem}");
            }

            using (var file = probe)
            {
                integrity = "sha512-" + Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(file));
            }

            using (var file = File.OpenRead(path))
            {
                foreach (var f in TarballReader.Entries(file, label, _limits, log, IsManifest))
                {
                    manifest ??= f.Content;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PackageLoadException($"cannot read {path}: {ex.Message}", ex);
        }

        var limits = _limits;
        IEnumerable<PackageFile> Stream()
        {
            using var file = OpenForStreaming(path);
            foreach (var f in TarballReader.Entries(file, label, limits, new ReadLog()))
            {
                yield return f;
            }
        }

        return Build(log, manifest, Stream, null, null, path, integrity);
    }

    private static FileStream OpenForStreaming(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PackageLoadException($"cannot read {path} again for analysis: {ex.Message}", ex);
        }
    }

    public LoadedPackage FromTarballBytes(byte[] bytes, string origin) =>
        FromCompressed(bytes, Path.GetFileName(origin), null, null, origin, SriIntegrity.Sha512Of(bytes));

    /// <summary>
    /// Only the compressed tarball stays in memory. One pass now reads package.json and meets every rejected entry
    /// and limit (so the findings are known up front); analysis then decompresses again and takes one file at a time.
    /// </summary>
    private LoadedPackage FromCompressed(byte[] bytes, string label, string? name, string? version, string origin, string? integrity)
    {
        var log = new ReadLog();
        byte[]? manifest = null;
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            foreach (var f in TarballReader.Entries(stream, label, _limits, log, IsManifest))
            {
                manifest ??= f.Content;
            }
        }

        var limits = _limits;
        IEnumerable<PackageFile> Stream()
        {
            using var again = new MemoryStream(bytes, writable: false);
            foreach (var f in TarballReader.Entries(again, label, limits, new ReadLog()))
            {
                yield return f;
            }
        }

        return Build(log, manifest, Stream, name, version, origin, integrity);
    }

    public LoadedPackage FromDirectory(string path)
    {
        try
        {
            // One walk now, so limit and link findings are known before analysis starts; only package.json is read.
            var log = new ReadLog();
            byte[]? manifest = null;
            foreach (var f in DirectoryPackageReader.Entries(path, _limits, log, IsManifest))
            {
                manifest ??= f.Content;
            }

            var limits = _limits;

            // A folder can change between the reads; what analysis sees is what it reads then (fail visible: the
            // findings of that read are not reported again, but every file it reads is analysed).
            return Build(log, manifest, () => DirectoryPackageReader.Entries(path, limits, new ReadLog()), null, null, path, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PackageLoadException($"cannot read folder {path}: {ex.Message}", ex);
        }
    }

    private static bool IsManifest(string path) => path == "package.json";

    /// <summary>
    /// Reads a corpus sample zip (ZipCrypto, password "infected") holding one npm tarball. The tarball is
    /// decrypted into memory only; nothing is written to disk where node could load it.
    /// </summary>
    public LoadedPackage FromCorpusZip(string path, string password = "infected")
    {
        try
        {
            using var zip = new ZipFile(path) { Password = password };
            foreach (ZipEntry entry in zip)
            {
                if (!entry.IsFile || entry.Size > _limits.MaxTarballBytes)
                {
                    continue;
                }

                using var input = zip.GetInputStream(entry);
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                return FromTarballBytes(buffer.ToArray(), path);
            }
        }
        catch (ZipException ex)
        {
            throw new PackageLoadException($"cannot read zip {path}: {ex.Message}", ex);
        }

        throw new PackageLoadException($"zip {path} holds no tarball");
    }

    private static bool LooksLikePath(string target) =>
        target.StartsWith('.') || target.StartsWith('/') || target.Contains('\\', StringComparison.Ordinal)
        || target.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)
        || target.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase);

    private static LoadedPackage Build(ReadLog log, byte[]? manifestBytes, Func<IEnumerable<PackageFile>> source, string? name, string? version, string origin, string? integrity)
    {
        var manifest = TarballReader.ParseManifest(manifestBytes);
        return new LoadedPackage
        {
            Name = name ?? manifest?["name"]?.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.String => manifest["name"]!.GetValue<string>(),
                _ => Path.GetFileName(origin.TrimEnd('/', '\\')),
            },
            Version = version ?? (manifest?["version"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? manifest["version"]!.GetValue<string>() : null),
            Origin = origin,
            Integrity = integrity,
            Source = source,
            Manifest = manifest,
            ReadFindings = log.Findings,
            ReadSkipped = log.Skipped,
            Truncated = log.Truncated,
        };
    }
}
