using McpGuard.TestSupport;
using McpGuard.Verify.Resolution;

namespace McpGuard.Verify.Tests;

public sealed class HostileFileTests
{
    [Fact]
    public async Task ReadPackageJson_NamedPipe_IsUnknownVersionAtOnce()
    {
        using var dir = new TempDirectory();
        var path = dir.Fifo("package.json");

        // Before: File.OpenRead blocked until a writer appeared, so one planted FIFO in node_modules stopped a scan.
        var read = Task.Run(() => NpmInstallLocator.ReadPackageJson(path), TestContext.Current.CancellationToken);
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
        Assert.Equal((null, null), await read);
    }
}
