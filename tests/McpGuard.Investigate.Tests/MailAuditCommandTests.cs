using System.Text.Json;
using McpGuard.Cli;
using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests;

/// <summary>The <c>mcpguard mail-audit</c> command run in-process, as a user would run it from a shell.</summary>
public sealed class MailAuditCommandTests
{
    private const string Token = "pm-cli-7d1e5a3b-2c4f-4a6b-8d9e-0f1a2b3c4d5e";

    private sealed record Run(int ExitCode, string Out, string Error);

    private static async Task<Run> RunAsync(string[] args, Func<string, string?>? env = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = CliContext.ForWriters(stdout, stderr, env);
        var code = await CliApp.RunAsync(["mail-audit", .. args], context, TestContext.Current.CancellationToken);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task File_HiddenBcc_ExitsOneWithJsonEvidence()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("ses-events.jsonl"), "--trusted-domain", "shop.example", "--format", "json"]);

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var first = doc.RootElement.GetProperty("findings")[0];
        Assert.Equal("MCPG700", first.GetProperty("ruleId").GetString());
        Assert.Equal("critical", first.GetProperty("severity").GetString());
        var evidence = first.GetProperty("evidence");
        Assert.Equal("phan@giftshop.club", evidence.GetProperty("address").GetString());
        Assert.Equal(6, evidence.GetProperty("count").GetInt32());
        Assert.Equal("2025-09-16T09:00:00.0000000+00:00", evidence.GetProperty("firstSeen").GetString());
        Assert.Equal(3, evidence.GetProperty("sampleSubjects").GetArrayLength());
        Assert.Equal("ses", evidence.GetProperty("source").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("summary").GetProperty("critical").GetInt32());
        Assert.Contains("10 messages audited", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_HighOnlyWithFailOnCritical_ExitsZero()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("sendgrid-events.json"), "--fail-on", "critical", "--format", "table"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("collector@exfil.example", run.Out, StringComparison.Ordinal);
        Assert.Contains("MCPG702", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_CsvToOutput_WritesOneRowPerRecipient()
    {
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "out", "recipients.csv");

        var run = await RunAsync(["--input", MailFixtures.Path("messages.csv"), "--trusted-domain", "shop.example", "--expected", MailFixtures.Path("expected.txt"), "--format", "csv", "--output", output]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        var lines = File.ReadAllLines(output);
        Assert.StartsWith("address,rule_id,severity,messages", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length); // header, phan@giftshop.club, copies@unknown.example (legal@ is expected)
        Assert.StartsWith("phan@giftshop.club,MCPG700,critical,1,", lines[1], StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".*.tmp"));
    }

    [Fact]
    public async Task File_Sarif_CarriesTheRuleIds()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("sent.mbox"), "--format", "sarif"]);

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var results = doc.RootElement.GetProperty("runs")[0].GetProperty("results");
        Assert.Contains(results.EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "MCPG700");
    }

    [Fact]
    public async Task File_ForcedWrongFormat_ExitsTwoNamingFile()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("sent.mbox"), "--input-format", "postfix"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("sent.mbox", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task File_Missing_ExitsTwoNamingFile()
    {
        var run = await RunAsync(["--input", "/nonexistent/mail.log"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/mail.log", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoInputAndNoToken_ExitsTwoExplainingBoth()
    {
        var run = await RunAsync([]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--input", run.Error, StringComparison.Ordinal);
        Assert.Contains("POSTMARK_SERVER_TOKEN", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEnvNamedButUnset_ExitsTwoNamingTheVariable()
    {
        var run = await RunAsync(["--postmark-token-env", "MY_PM_TOKEN"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("MY_PM_TOKEN", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postmark_TokenFromEnvironment_FindsBccAndTokenAppearsNowhere()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(1200), Token);
        using var dir = new TempDirectory();
        var outputs = new List<string>();
        foreach (var format in new[] { "json", "sarif", "csv", "table" })
        {
            var file = Path.Combine(dir.Path, "report." + format);
            var run = await RunAsync(
                ["--api-base", fake.BaseAddress.AbsoluteUri, "--trusted-domain", "shop.example", "--format", format, "--output", file],
                env: name => name == "POSTMARK_SERVER_TOKEN" ? Token : null);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("phan@giftshop.club", File.ReadAllText(file), StringComparison.Ordinal);
            outputs.AddRange([run.Out, run.Error, File.ReadAllText(file)]);
        }

        Assert.All(outputs, o => Assert.DoesNotContain(Token, o, StringComparison.Ordinal));
        Assert.All(outputs, o => Assert.DoesNotContain(FakePostmarkMessagesApi.BodyMarker, o, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postmark_WrongTokenOnCommandLine_ExitsTwoAndNeverEchoesIt()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(10), Token);
        const string wrong = "pm-wrong-5e6f7a8b-cli";
        using var dir = new TempDirectory();
        var output = Path.Combine(dir.Path, "report.json");

        var run = await RunAsync(["--postmark-token", wrong, "--api-base", fake.BaseAddress.AbsoluteUri, "--format", "json", "--output", output]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("401", run.Error, StringComparison.Ordinal);
        Assert.Contains("ErrorCode 10", run.Error, StringComparison.Ordinal);
        Assert.Contains("visible to other users", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, run.Out + run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task InputAndToken_Together_ExitTwo()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("sent.mbox"), "--postmark-token-env", "X"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not both", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiBaseWithCredentials_IsRefused()
    {
        var run = await RunAsync(["--postmark-token-env", "T", "--api-base", "http://user:pw@127.0.0.1:1/"], env: n => n == "T" ? Token : null);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--api-base", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_UntilBareDate_IncludesThatWholeDay()
    {
        var run = await RunAsync(["--input", MailFixtures.Path("ses-events.jsonl"), "--since", "2025-09-16", "--until", "2025-09-16", "--format", "json"]);

        Assert.Contains("10 messages audited", run.Error, StringComparison.Ordinal);
    }
}
