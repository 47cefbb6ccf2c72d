using McpGuard.Core;
using McpGuard.TestSupport;
using McpGuard.Verify.Lock;

namespace McpGuard.Verify.Tests.Lock;

public sealed class LockFileSaveTests
{
    [Fact]
    public void Save_OntoAFolder_IsAnInputErrorNamingTheLockAndLeavesNoTempFile()
    {
        using var dir = new TempDirectory();
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, "mcpguard.lock.json")).FullName;

        // Before: an unhandled IOException (stack trace, exit 134) from lock/approve/update/pin, and a temp file left.
        var ex = Assert.Throws<UserInputException>(() => LockFileSerializer.Save(new LockFile(), folder));
        Assert.StartsWith($"cannot write lock file {folder}: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal([folder], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Save_UnderAFile_IsAnInputErrorNamingTheLock()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("plain", "x");
        var path = Path.Combine(file, "mcpguard.lock.json");
        var ex = Assert.Throws<UserInputException>(() => LockFileSerializer.Save(new LockFile(), path));
        Assert.StartsWith($"cannot write lock file {path}: ", ex.Message, StringComparison.Ordinal);
    }
}
