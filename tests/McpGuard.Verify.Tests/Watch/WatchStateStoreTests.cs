using McpGuard.TestSupport;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

public sealed class WatchStateStoreTests
{
    [Fact]
    public void SaveThenLoad_RoundTripsETagsAndVerdictsPerBaseline()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "watch", "state.json");
        var store = WatchStateStore.Load(path);
        var s = store.Get("http://r/", "pkg", "1.0.0");
        s.ETag = "\"abc\"";
        s.Reviewed["1.0.1"] = "block";
        store.Save();

        var again = WatchStateStore.Load(path);

        Assert.Null(again.LoadProblem);
        Assert.Equal("\"abc\"", again.Get("http://r/", "pkg", "1.0.0").ETag);
        Assert.Equal("block", again.Get("http://r/", "pkg", "1.0.0").Reviewed["1.0.1"]);
        Assert.Empty(again.Get("http://r/", "pkg", "1.0.1").Reviewed);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{ "packages": { "k": { "reviewed": 5 } }, "packages": {} }""")]
    public void Load_CorruptFile_StartsOverAndSaysWhy(string content)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("state.json", content);

        var store = WatchStateStore.Load(path);

        Assert.Contains(path, store.LoadProblem);
        Assert.Empty(store.Get("http://r/", "pkg", "1.0.0").Reviewed);
    }
}
