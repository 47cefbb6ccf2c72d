using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.TestSupport;

namespace McpGuard.Verify.Tests;

public sealed class IntelTests
{
    [Theory]
    [InlineData("1.0.16", true)]
    [InlineData("1.0.17", true)]
    [InlineData("1.0.18", true)]
    [InlineData("1.0.15", false)]
    [InlineData("1.0.0", false)]
    [InlineData(null, false)]
    public void BuiltIn_PostmarkMcp_MaliciousFrom1016(string? version, bool expected)
    {
        Assert.Equal(expected, IntelDatabase.BuiltIn.IsMalicious("npm", "postmark-mcp", version, out var advisory));
        Assert.Equal(expected ? "MAL-2025-47604" : null, advisory?.Id);
    }

    [Fact]
    public void BuiltIn_IndicatorsAndImpersonation_ComeFromData()
    {
        var db = IntelDatabase.BuiltIn;
        Assert.Contains(db.KnownBadEmailAddresses, i => i.Value == "phan@giftshop.club");
        Assert.Contains(db.KnownBadDomains, i => i.Value == "giftshop.club");
        Assert.Equal("giftshop.club", db.MatchDomain("mail.GiftShop.club")?.Value);
        Assert.Null(db.MatchDomain("notgiftshop.club"));
        Assert.Equal("phan@giftshop.club", db.FindIndicatorIn("Bcc: PHAN@giftshop.club")?.Value);
        Assert.True(db.TryGetImpersonation("npm", "postmark-mcp", out var imp));
        Assert.Equal("@activecampaign/postmark-mcp", imp!.Official);
        Assert.False(db.TryGetImpersonation("npm", "@activecampaign/postmark-mcp", out _));
        Assert.False(db.IsMalicious("npm", "@activecampaign/postmark-mcp", "1.0.16", out _));
    }

    private static IntelDatabase FromOsv(TempDirectory dir, out OsvImportResult result)
    {
        result = OsvImporter.ImportDirectory(dir.Path, TestContext.Current.CancellationToken);
        return IntelDatabase.Create([result.Intel]);
    }

    [Fact]
    public void Osv_RangesVersionsAndWithdrawn_MatchAsOsvSays()
    {
        using var dir = new TempDirectory("mcpguard-osv");
        dir.Write("npm/range-pkg/MAL-1.json", """
            { "id": "MAL-1", "summary": "s", "affected": [ { "package": { "ecosystem": "npm", "name": "range-pkg" },
              "ranges": [ { "type": "SEMVER", "events": [ { "introduced": "1.2.0" }, { "fixed": "1.4.0" } ] },
                          { "type": "ECOSYSTEM", "events": [ { "introduced": "2.0.0" }, { "last_affected": "2.1.0" } ] } ] } ] }
            """);
        dir.Write("npm/@scope/listed/MAL-2.json", """
            { "id": "MAL-2", "affected": [ { "package": { "ecosystem": "npm", "name": "@scope/listed" }, "versions": ["0.0.1", "0.0.3"] } ] }
            """);
        dir.Write("npm/all-pkg/MAL-3.json", """
            { "id": "MAL-3", "affected": [ { "package": { "ecosystem": "npm", "name": "all-pkg" }, "ranges": [ { "type": "SEMVER", "events": [ { "introduced": "0" } ] } ] } ] }
            """);
        dir.Write("npm/good-pkg/MAL-4.json", """
            { "id": "MAL-4", "withdrawn": "2024-01-01T00:00:00Z", "affected": [ { "package": { "ecosystem": "npm", "name": "good-pkg" }, "ranges": [ { "type": "SEMVER", "events": [ { "introduced": "0" } ] } ] } ] }
            """);
        dir.Write("npm/broken/MAL-5.json", "{ not json");

        var db = FromOsv(dir, out var result);

        Assert.Equal((5, 3, 1), (result.FilesRead, result.Advisories, result.Withdrawn));
        Assert.Contains("MAL-5.json:1", Assert.Single(result.Problems), StringComparison.Ordinal);
        Assert.False(db.IsMalicious("npm", "range-pkg", "1.1.9", out _));
        Assert.True(db.IsMalicious("npm", "range-pkg", "1.2.0", out var a));
        Assert.Equal("MAL-1", a!.Id);
        Assert.True(db.IsMalicious("npm", "range-pkg", "1.3.9", out _));
        Assert.False(db.IsMalicious("npm", "range-pkg", "1.4.0", out _));
        Assert.True(db.IsMalicious("npm", "range-pkg", "2.1.0", out _));
        Assert.False(db.IsMalicious("npm", "range-pkg", "2.1.1", out _));
        Assert.True(db.IsMalicious("npm", "@scope/listed", "0.0.3", out _));
        Assert.False(db.IsMalicious("npm", "@scope/listed", "0.0.2", out _));
        Assert.True(db.IsMalicious("npm", "all-pkg", null, out _));
        Assert.True(db.IsMalicious("npm", "all-pkg", "99.0.0", out _));
        Assert.False(db.IsMalicious("npm", "good-pkg", "1.0.0", out _));
    }

    [Fact]
    public void Osv_CorpusImport_CountsAndMatchesPostmark()
    {
        var corpus = Path.Combine(RepoPaths.Corpus, "osv");
        Assert.True(Directory.Exists(corpus), $"OSV corpus missing at {corpus} (shared/ must sit beside the repository)");
        var expected = File.ReadLines(Path.Combine(corpus, "index.tsv")).Skip(1).Count(l => l.Length > 0);

        var result = OsvImporter.ImportDirectory(corpus, TestContext.Current.CancellationToken);
        var db = IntelDatabase.Create([result.Intel]);

        Assert.Equal(1187, expected);
        Assert.Equal(expected, result.FilesRead);
        Assert.Equal(expected - result.Withdrawn, result.Advisories);
        Assert.Empty(result.Problems);
        // The pre-assignment copy (empty id, named by its file) exists only in the corpus, not in the built-in data.
        const string preAssigned = "MAL-0000-google-open-source-security-b71142d16d8ed2a6";
        Assert.Contains(db.FindAdvisories("npm", "postmark-mcp", "1.0.16"), x => x.Id == preAssigned && x.Source == "osv");
        Assert.Contains(db.FindAdvisories("npm", "postmark-mcp", "1.0.16"), x => x.Id == "MAL-2025-47604");
        Assert.Empty(db.FindAdvisories("npm", "postmark-mcp", "1.0.15"));
        Assert.NotEmpty(db.AdvisoriesFor("npm", "hrdebjywvtkmcpga"));
    }

    [Fact]
    public void Osv_CorpusWithWithdrawnCopy_WithdrawnIsSkipped()
    {
        using var dir = new TempDirectory("mcpguard-osv");
        var src = Path.Combine(RepoPaths.Corpus, "osv", "npm", "postmark-mcp", "MAL-2025-47604.json");
        var text = File.ReadAllText(src).Replace("\"id\": \"MAL-2025-47604\",", "\"id\": \"MAL-2025-47604\", \"withdrawn\": \"2025-10-01T00:00:00Z\",", StringComparison.Ordinal);
        Assert.Contains("withdrawn", text, StringComparison.Ordinal);
        dir.Write("npm/postmark-mcp/MAL-2025-47604.json", text);

        var result = OsvImporter.ImportDirectory(dir.Path, TestContext.Current.CancellationToken);

        Assert.Equal((1, 0, 1), (result.FilesRead, result.Advisories, result.Withdrawn));
    }

    [Fact]
    public void Store_SaveThenLoad_RoundTripsAndReplacesById()
    {
        using var data = new TempDirectory("mcpguard-data");
        using var osv = new TempDirectory("mcpguard-osv");
        osv.Write("npm/p/MAL-9.json", """{ "id": "MAL-9", "affected": [ { "package": { "ecosystem": "npm", "name": "p" }, "versions": ["1.0.0"] } ] }""");
        var store = new IntelStore(data.Path);
        Assert.Null(store.Load());

        Assert.Equal(1, store.Save(OsvImporter.ImportDirectory(osv.Path, TestContext.Current.CancellationToken).Intel));
        Assert.Equal(1, store.Save(OsvImporter.ImportDirectory(osv.Path, TestContext.Current.CancellationToken).Intel));

        var db = IntelDatabase.Create([store.Load()!]);
        Assert.True(db.IsMalicious("npm", "p", "1.0.0", out _));
        Assert.True(db.IsMalicious("npm", "postmark-mcp", "1.0.16", out _));
    }

    [Fact]
    public void Store_DefaultDataDirectory_FollowsEnvironmentOrder()
    {
        Assert.Equal("/m", IntelStore.DefaultDataDirectory(n => n switch { "MCPGUARD_HOME" => "/m", "XDG_DATA_HOME" => "/x", _ => null }, "/h"));
        Assert.Equal(Path.Combine("/x", "mcpguard"), IntelStore.DefaultDataDirectory(n => n == "XDG_DATA_HOME" ? "/x" : null, "/h"));
        Assert.Equal(Path.Combine("/h", ".local", "share", "mcpguard"), IntelStore.DefaultDataDirectory(_ => null, "/h"));
    }

    [Fact]
    public void Osv_MissingFolder_IsUserInputErrorNamingIt()
    {
        var ex = Assert.Throws<UserInputException>(() => OsvImporter.ImportDirectory("/no/such/osv", TestContext.Current.CancellationToken));
        Assert.Contains("/no/such/osv", ex.Message, StringComparison.Ordinal);
    }
}
