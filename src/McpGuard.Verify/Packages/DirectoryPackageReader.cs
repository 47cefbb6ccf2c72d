using McpGuard.Core.Findings;
using McpGuard.Core.IO;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Packages;

/// <summary>Reads an unpacked package folder one file at a time with the same limits as a tarball. Symlinks are not followed.</summary>
internal static class DirectoryPackageReader
{
    // node_modules and VCS folders are not the package's own code; dependencies are analysed separately (--deep).
    private static readonly HashSet<string> s_skipped = ["node_modules", ".git", ".hg", ".svn"];

    /// <summary>
    /// Yields the folder's files in a stable order (ordinal names, depth first), each read from disk only when reached;
    /// <paramref name="wanted"/> (when given) selects the files whose content is read.
    /// </summary>
    public static IEnumerable<PackageFile> Entries(string root, PackageLimits limits, ReadLog log, Func<string, bool>? wanted = null)
    {
        long total = 0;
        var count = 0;
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
                    log.Findings.Add(FindingFactory.Create(AnalysisRules.ArchiveEntryRejected,
                        $"'{rel}' is a symbolic link and was not followed.", location: new SourceLocation { File = rel }));
                    log.Skip(CoverageReasons.Rejected);
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

                if (count >= limits.MaxEntries)
                {
                    log.Findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: the folder has more than {limits.MaxEntries} files.", location: new SourceLocation { File = root }));
                    log.Truncated = true;
                    yield break;
                }

                // InputFile: a named pipe or device in the folder (npm never packs one) would block the read or never
                // end; it is reported as a rejected entry, like a device in a tarball, on every pass (not only the
                // one that reads its content), and the rest is read.
                if (!InputFile.TryOpenRead(file.FullName, out var probe, out var problem, bufferSize: 0))
                {
                    log.Findings.Add(FindingFactory.Create(AnalysisRules.ArchiveEntryRejected,
                        $"'{rel}' was not read: {problem}.", location: new SourceLocation { File = rel }));
                    log.Skip(CoverageReasons.Rejected);
                    continue;
                }

                probe.Dispose();
                if (file.Length > limits.MaxFileBytes)
                {
                    log.Findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: {rel} is {file.Length} bytes, over the {limits.MaxFileBytes}-byte file limit.",
                        location: new SourceLocation { File = rel }));
                    log.Skip(CoverageReasons.OverLimit);
                    continue;
                }

                total += file.Length;
                if (total > limits.MaxTotalBytes)
                {
                    log.Findings.Add(FindingFactory.Create(AnalysisRules.ArchiveLimitExceeded,
                        $"Analysis is incomplete: the folder holds more than {limits.MaxTotalBytes} bytes.", location: new SourceLocation { File = root }));
                    log.Truncated = true;
                    yield break;
                }

                count++;
                if (wanted is null || wanted(rel))
                {
                    yield return new PackageFile(rel, File.ReadAllBytes(file.FullName));
                }
            }
        }
    }
}
