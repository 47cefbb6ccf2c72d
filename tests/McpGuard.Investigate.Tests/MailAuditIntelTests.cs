using System.Text.Json;
using McpGuard.Cli;
using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests;

/// <summary>mail-audit judges recipients with the shared intel (built-in plus the local intel store), not a hard-coded list.</summary>
public sealed class MailAuditIntelTests
{
    private const string Drop = "drop@collector-intel.example";

    private static async Task<JsonElement> FindingForDropAsync(TempDirectory dir)
    {
        var eml = dir.Write("mail/one.eml", $"""
            From: Billing <billing@shop.example>
            To: customer@example.net
            Bcc: {Drop}
            Subject: Your invoice
            Date: Tue, 16 Sep 2025 09:00:00 +0000
            Message-ID: <1@shop.example>

            synthetic body
            """);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "data") };
        var code = await CliApp.RunAsync(["mail-audit", "--input", eml, "--trusted-domain", "shop.example", "--format", "json"],
            CliContext.ForWriters(stdout, stderr, env.GetValueOrDefault), TestContext.Current.CancellationToken);
        Assert.True(code is 0 or 1, stderr.ToString());
        using var doc = JsonDocument.Parse(stdout.ToString());
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Single(f => f.GetProperty("evidence").GetProperty("address").GetString() == Drop).Clone();
    }

    [Fact]
    public async Task IndicatorOnlyInTheIntelStore_IsReportedCritical()
    {
        using var dir = new TempDirectory();
        var before = await FindingForDropAsync(dir);
        // The on-disk store format 'mcpguard intel import' writes; this address is in no built-in list.
        dir.Write("data/intel/imported.json", $$"""
            { "formatVersion": 1, "advisories": [],
              "emailAddresses": [ { "value": "{{Drop}}", "advisory": "MAL-2099-00001", "note": "synthetic drop address" } ],
              "domains": [], "impersonations": [] }
            """);

        var after = await FindingForDropAsync(dir);

        Assert.Equal("MCPG701", before.GetProperty("ruleId").GetString());
        Assert.Equal("medium", before.GetProperty("severity").GetString());
        Assert.Equal("MCPG700", after.GetProperty("ruleId").GetString());
        Assert.Equal("critical", after.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task DomainOnlyInTheIntelStore_IsReportedCritical()
    {
        using var dir = new TempDirectory();
        dir.Write("data/intel/imported.json", """
            { "formatVersion": 1, "advisories": [], "emailAddresses": [],
              "domains": [ { "value": "collector-intel.example", "advisory": "MAL-2099-00002", "note": "synthetic drop domain" } ],
              "impersonations": [] }
            """);

        var finding = await FindingForDropAsync(dir);

        Assert.Equal("MCPG700", finding.GetProperty("ruleId").GetString());
        Assert.Equal("critical", finding.GetProperty("severity").GetString());
    }
}
