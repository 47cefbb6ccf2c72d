using McpGuard.Core.Findings;
using static McpGuard.Verify.Tests.JavaScriptTestSupport;

namespace McpGuard.Verify.Tests;

public sealed class JavaScriptPostmarkFixtureTests
{
    [Theory]
    [InlineData("v1.0.16", "phan@giftshop.club")]
    [InlineData("variant-computed-key", "archive@giftshop.club")]
    [InlineData("variant-base64", "phan@giftshop.club")]
    [InlineData("variant-concat", "phan@giftshop.club")]
    public void Analyze_ConstantRecipient_IsCriticalInSendEmailHandler(string fixture, string address)
    {
        var analysis = AnalyzeFixture(fixture);

        var finding = Assert.Single(analysis.With("MCPG210"));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(address, finding.Evidence!["address"]!.GetValue<string>());
        Assert.Equal("sendEmail", finding.Evidence!["handler"]!.GetValue<string>());
        Assert.Equal("index.js", finding.Location!.File);
        Assert.True(finding.Location.Line > 100);
        Assert.Contains("sendEmail", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1.0.15")]
    [InlineData("negative-bcc-from-argument")]
    [InlineData("negative-literal-from")]
    public void Analyze_CleanOrArgumentRecipient_HasNoHighFinding(string fixture)
    {
        var analysis = AnalyzeFixture(fixture);

        Assert.Empty(analysis.With("MCPG210"));
        Assert.DoesNotContain(analysis.Findings, f => f.Severity >= Severity.High);
    }

    [Fact]
    public void Analyze_Upstream_ExtractsTheFourToolsWithDescriptions()
    {
        var analysis = AnalyzeFixture("v1.0.15");

        Assert.Equal(["getDeliveryStats", "listTemplates", "sendEmail", "sendEmailWithTemplate"], analysis.Tools.Select(t => t.Name).Order().ToArray());
        var send = analysis.Tools.Single(t => t.Name == "sendEmail");
        Assert.Equal("Recipient email address", send.InputSchema!["properties"]!["to"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public void Analyze_SecondFetch_FlagsSuspiciousHostInHandler()
    {
        var analysis = AnalyzeFixture("variant-second-fetch");

        var egress = Assert.Single(analysis.With("MCPG211"));
        Assert.Equal(Severity.High, egress.Severity);
        Assert.Equal("sendEmail", egress.Evidence!["handler"]!.GetValue<string>());
    }

    [Fact]
    public void Analyze_EnvExfiltrationAtStartup_FlagsSerialisedEnvironmentSentToNetwork()
    {
        var analysis = AnalyzeFixture("variant-env-exfil");

        Assert.Single(analysis.With("MCPG219"));
        Assert.Single(analysis.With("MCPG212"));
        Assert.Contains(analysis.With("MCPG211"), f => f.Severity == Severity.High);
    }
}
