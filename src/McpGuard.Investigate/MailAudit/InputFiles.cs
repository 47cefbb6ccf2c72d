using McpGuard.Core;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Opens an --input file for one sequential pass; a failure becomes one line naming the file (exit 2).</summary>
internal static class InputFiles
{
    /// <summary>64 KB: large sequential reads without holding more than a sliver of a big log.</summary>
    private const int BufferSize = 1 << 16;

    public static FileStream OpenSequential(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read --input {path}: {ex.Message}", ex);
        }
    }
}
