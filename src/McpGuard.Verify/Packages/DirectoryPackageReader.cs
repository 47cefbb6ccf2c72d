using McpGuard.Core.Findings;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Packages;

/// <summary>Reads an unpacked package folder into memory with the same limits as a tarball. Symlinks are not followed.</summary>
internal static class DirectoryPackageReader
{
    // node_modules and VCS folders are not the package's own code; dependencies are analysed separately (--deep).
    private static readonly HashSet<string> s_skipped = ["node_modules", ".git", ".hg", ".svn"];

    public static TarballReader.Result Read(string root, PackageLimits limits)
    {
        var files = new List<PackageFile>();
        var findings = new List<Finding>();
        long total = 0;
        var stack = new Stack<DirectoryInfo>();
        stack.Push(new DirectoryInfo(root));
        while (stack.Count > 0)
        {
            var dir = stack.Pop();
            foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(root, info.FullName).Replace('\\', '/');
                if (info.LinkTarget is not null)
                {
                    // Links may point anywhere on the machine; reading through them would analyse (or leak) foreign files.
                    findings.Add(FindingFactory.Create(AnalysisRules.ArchiveEntryRejected,
                        $"'{rel}' is a symbolic link and was not followed.", location: new SourceLocation { File = rel }));
                    continue;
                }

                if (info is DirectoryInfo sub)
                {
                    if (!s_skipped.Contains(sub.Name))
                    {
                        stack.Push(sub);
                    }

                    continue;
                }

                if (info is not FileInfo file)
                {
                    continue;
                }

                if (files.Count >= limits.MaxEntries)
                {
                    findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: the folder has more than {limits.MaxEntries} files.", location: new SourceLocation { File = root }));
                    return new TarballReader.Result(files, findings);
                }

                if (file.Length > limits.MaxFileBytes)
                {
                    findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: {rel} is {file.Length} bytes, over the {limits.MaxFileBytes}-byte file limit.",
                        location: new SourceLocation { File = rel }));
                    continue;
                }

                total += file.Length;
                if (total > limits.MaxTotalBytes)
                {
                    findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: the folder holds more than {limits.MaxTotalBytes} bytes.", location: new SourceLocation { File = root }));
                    return new TarballReader.Result(files, findings);
                }

                files.Add(new PackageFile(rel, File.ReadAllBytes(file.FullName)));
            }
        }

        return new TarballReader.Result(files, findings);
    }
}
