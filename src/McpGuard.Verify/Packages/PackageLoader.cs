using ICSharpCode.SharpZipLib.Zip;

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
        using var stream = new MemoryStream(bytes, writable: false);
        var read = TarballReader.Read(stream, $"{spec.Name}@{version.Version}", _limits);
        return Build(read, spec.Name, version.Version, registry.Registry.AbsoluteUri, version.Integrity);
    }

    public LoadedPackage FromTarball(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > _limits.MaxTarballBytes)
            {
                throw new PackageLoadException($"{path} is larger than {_limits.MaxTarballBytes} bytes; refusing it");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            throw new PackageLoadException($"cannot read {path}: {ex.Message}", ex);
        }

        return FromTarballBytes(bytes, path);
    }

    public LoadedPackage FromTarballBytes(byte[] bytes, string origin)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var read = TarballReader.Read(stream, Path.GetFileName(origin), _limits);
        return Build(read, null, null, origin, SriIntegrity.Sha512Of(bytes));
    }

    public LoadedPackage FromDirectory(string path)
    {
        try
        {
            return Build(DirectoryPackageReader.Read(path, _limits), null, null, path, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PackageLoadException($"cannot read folder {path}: {ex.Message}", ex);
        }
    }

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

    private static LoadedPackage Build(TarballReader.Result read, string? name, string? version, string origin, string? integrity)
    {
        var manifest = TarballReader.ReadManifest(read.Files);
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
            Files = read.Files,
            Manifest = manifest,
            ReadFindings = read.Findings,
        };
    }
}
