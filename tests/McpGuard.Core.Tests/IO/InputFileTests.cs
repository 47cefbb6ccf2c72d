using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.TestSupport;

namespace McpGuard.Core.Tests.IO;

public sealed class InputFileTests
{
    [Fact]
    public async Task ReadAllBytes_NamedPipeWithoutWriter_RefusesAtOnceInsteadOfBlocking()
    {
        using var dir = new TempDirectory();
        var fifo = dir.Fifo("fifo");

        // A plain open(2) of a FIFO blocks until a writer appears; run it off the test thread so a regression fails
        // the test on the timeout instead of hanging the run.
        var read = Task.Run(() => InputFile.ReadAllBytes(fifo, 1024, "--policy"), TestContext.Current.CancellationToken);
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Same(read, finished);
        var ex = await Assert.ThrowsAsync<UserInputException>(() => read);
        Assert.Equal($"--policy {fifo}: cannot read it (not a regular file but a pipe, socket or device)", ex.Message);
    }

    [Fact]
    public void ReadAllBytes_Folder_SaysItIsAFolder()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<UserInputException>(() => InputFile.ReadAllBytes(dir.Path, 1024, "lock file"));
        Assert.Equal($"lock file {dir.Path}: cannot read it (it is a folder, not a file)", ex.Message);
    }

    [Fact]
    public void ReadAllBytes_MissingFileOrPathUnderAFile_SaysNotFound()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("a.json", "{}");
        foreach (var path in new[] { Path.Combine(dir.Path, "missing.json"), Path.Combine(file, "x") })
        {
            var ex = Assert.Throws<UserInputException>(() => InputFile.ReadAllBytes(path, 1024, "--tools"));
            Assert.Equal($"--tools {path}: file not found", ex.Message);
        }
    }

    [Fact]
    public void ReadAllBytes_OverTheLimit_RefusedWithoutReadingIt()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "big.json");
        using (var f = File.Create(path))
        {
            f.SetLength(200L * 1024 * 1024); // sparse: no disk, but stat says 200 MiB
        }

        var ex = Assert.Throws<UserInputException>(() => InputFile.ReadAllBytes(path, 4L * 1024 * 1024, "policy file"));
        Assert.Equal($"policy file {path}: larger than 4 MiB, refusing to read it", ex.Message);
    }

    [Fact]
    public void ReadAllBytes_EndlessCharacterDevice_StopsAtTheLimit()
    {
        var ex = Assert.Throws<UserInputException>(() => InputFile.ReadAllBytes("/dev/zero", 64 * 1024, "--pass-env-file"));
        Assert.Equal("--pass-env-file /dev/zero: larger than 64 KiB, refusing to read it", ex.Message);
    }

    [Fact]
    public void ReadAllText_ByteOrderMark_IsDropped()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "bom.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}']);
        Assert.Equal("{}", InputFile.ReadAllText(path, 1024, "--config"));
    }
}
