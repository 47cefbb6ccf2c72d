using McpGuard.Core.IO;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Opens an --input file for one sequential pass; a failure becomes one line naming the file (exit 2).</summary>
internal static class InputFiles
{
    /// <summary>64 KB: large sequential reads without holding more than a sliver of a big log.</summary>
    private const int BufferSize = 1 << 16;

    /// <summary>Through <see cref="InputFile"/>: a named pipe given as --input is refused instead of waited on forever.</summary>
    public static FileStream OpenSequential(string path) => InputFile.OpenRead(path, "--input", BufferSize);
}
