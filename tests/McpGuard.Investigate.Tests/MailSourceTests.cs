using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.Investigate.MailAudit;

namespace McpGuard.Investigate.Tests;

public sealed class MailSourceTests
{
    private static readonly MailAuditOptions s_options = new MailAuditOptions()
    {
        TrustedDomains = ["shop.example"],
    }.WithIntel(IntelDatabase.BuiltIn);

    [Theory]
    [InlineData("ses-events.jsonl", "ses")]
    [InlineData("ses-sns-notification.json", "ses")]
    [InlineData("sendgrid-events.json", "sendgrid")]
    [InlineData("mailgun-events.json", "mailgun")]
    [InlineData("postmark-export.json", "postmark")]
    [InlineData("messages.csv", "csv")]
    [InlineData("postfix-mail.log", "postfix")]
    [InlineData("exim-mainlog", "exim")]
    [InlineData("sent.mbox", "mbox")]
    [InlineData("invoice.eml", "eml")]
    public void Detect_Fixture_PicksItsFormat(string file, string format) =>
        Assert.Equal(format, MailSources.Detect(MailFixtures.Path(file)).Name);

    /// <summary>Each fixture's known hidden recipient: address, rule, messages, messages scanned, role that carried it.</summary>
    [Theory]
    [InlineData("ses-events.jsonl", "phan@giftshop.club", "MCPG700", 6, 10, "extra")]
    [InlineData("ses-sns-notification.json", "phan@giftshop.club", "MCPG700", 1, 1, "extra")]
    [InlineData("sendgrid-events.json", "collector@exfil.example", "MCPG702", 6, 6, "unknown")]
    [InlineData("mailgun-events.json", "phan@giftshop.club", "MCPG700", 5, 5, "extra")]
    [InlineData("postmark-export.json", "phan@giftshop.club", "MCPG700", 4, 5, "bcc")]
    [InlineData("messages.csv", "copies@unknown.example", "MCPG701", 1, 4, "bcc")]
    [InlineData("postfix-mail.log", "phan@giftshop.club", "MCPG700", 2, 3, "unknown")]
    [InlineData("exim-mainlog", "phan@giftshop.club", "MCPG700", 2, 3, "unknown")]
    [InlineData("sent.mbox", "phan@giftshop.club", "MCPG700", 5, 6, "bcc")]
    [InlineData("invoice.eml", "phan@giftshop.club", "MCPG700", 1, 1, "bcc")]
    public async Task AuditFile_Fixture_FindsTheHiddenRecipient(string file, string address, string rule, long count, long scanned, string role)
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path(file), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(scanned, result.MessagesScanned);
        var r = Assert.Single(result.Recipients, x => x.Address == address);
        Assert.Equal((rule, count), (r.RuleId, r.Messages));
        Assert.Equal(count, r.Roles[role]);
        Assert.DoesNotContain(result.Recipients, x => x.Address.StartsWith("customer", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Recipients, x => x.Address.EndsWith("@shop.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditFile_SesWithVisibleCc_ReportsLowNotHidden()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("ses-events.jsonl"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        var partner = Assert.Single(result.Recipients, x => x.Address == "partner@agency.example");
        Assert.Equal(("MCPG701", Core.Findings.Severity.Low, 1L), (partner.RuleId, partner.Severity, partner.Roles["cc"]));
    }

    [Fact]
    public async Task AuditFile_PostfixDeferredThenSent_CountsOneMessageWithSubject()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("postfix-mail.log"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        var phan = Assert.Single(result.Recipients);
        Assert.Equal(2, phan.Messages);
        Assert.Equal(["Your invoice #1000"], phan.SampleSubjects);
    }

    [Fact]
    public async Task AuditFile_EximQuotedSubject_IsUnescaped()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("exim-mainlog"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["Your invoice #1000", "Your invoice \"#1001\""], Assert.Single(result.Recipients).SampleSubjects);
    }

    [Fact]
    public async Task AuditFile_CsvWithMap_UsesTheNamedColumns()
    {
        var map = CsvColumnMap.Parse("to=primary,bcc=hidden,subject=title,date=when,id=id");

        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("custom-columns.csv"), null, s_options, map, cancellationToken: TestContext.Current.CancellationToken);

        var spy = Assert.Single(result.Recipients);
        Assert.Equal(("spy@listener.example", 2L, "Welcome"), (spy.Address, spy.Roles["bcc"], spy.SampleSubjects.Single()));
        Assert.Equal(new DateTimeOffset(2025, 9, 16, 10, 0, 0, TimeSpan.Zero), spy.LastSeen);
    }

    [Fact]
    public async Task AuditFile_CsvWithoutKnownColumns_ThrowsAskingForMap()
    {
        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditFileAsync(MailFixtures.Path("custom-columns.csv"), null, s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("--csv-map", ex.Message, StringComparison.Ordinal);
        Assert.Contains("custom-columns.csv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvColumnMap_UnknownKey_ThrowsNamingIt()
    {
        var ex = Assert.Throws<UserInputException>(() => CsvColumnMap.Parse("to=A,reply=B"));
        Assert.Contains("'reply'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditFile_TruncatedMbox_AuditsTheRestAndReportsTheStump()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("truncated.mbox"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, result.MessagesScanned);
        Assert.Equal(1, result.Skipped);
        Assert.Contains("truncated", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
        Assert.Contains(result.Findings, f => f.RuleId == "MCPG703");
    }

    [Fact]
    public async Task AuditFile_MalformedJsonLine_SkipsThatLineOnly()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("malformed-line.jsonl"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.MessagesScanned);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(2, d.Line);
        Assert.Contains("malformed JSON", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditFile_ArrayCutMidway_KeepsWhatCameBefore()
    {
        var result = await MailAuditRunner.AuditFileAsync(MailFixtures.Path("broken-array.json"), null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.MessagesScanned);
        Assert.Equal(1, result.Skipped);
        Assert.Contains("rest of the file", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("broken-document.json", null, "malformed JSON")]
    [InlineData("invoice.eml", "mbox", "not an mbox")]
    [InlineData("sent.mbox", "postfix", "no Postfix log lines")]
    [InlineData("sent.mbox", "exim", "no Exim log lines")]
    [InlineData("does-not-exist.log", null, "no such file")]
    public async Task AuditFile_BadInput_ThrowsNamingTheFile(string file, string? format, string expected)
    {
        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditFileAsync(MailFixtures.Path(file), format, s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditFile_UnknownFormatName_ThrowsListingFormats()
    {
        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditFileAsync(MailFixtures.Path("sent.mbox"), "outlook", s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("--input-format", ex.Message, StringComparison.Ordinal);
        Assert.Contains("postfix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditFile_EmlFolder_ReadsEveryMessage()
    {
        using var dir = new McpGuard.TestSupport.TempDirectory();
        File.Copy(MailFixtures.Path("invoice.eml"), Path.Combine(dir.Path, "a.eml"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        File.Copy(MailFixtures.Path("invoice.eml"), Path.Combine(dir.Path, "sub", "b.eml"));

        var result = await MailAuditRunner.AuditFileAsync(dir.Path, null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.MessagesScanned);
        Assert.Equal(2, Assert.Single(result.Recipients).Messages);
    }

    [Fact]
    public async Task AuditFile_SinceUntil_FiltersDatedRecords()
    {
        var result = await MailAuditRunner.AuditFileAsync(
            MailFixtures.Path("ses-events.jsonl"), null, s_options,
            since: new DateTimeOffset(2025, 9, 16, 12, 0, 0, TimeSpan.Zero),
            until: new DateTimeOffset(2025, 9, 16, 13, 0, 0, TimeSpan.Zero),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.MessagesScanned);
    }

    [Fact]
    public async Task AuditFile_FirehoseRecordsWithoutNewlines_AreReadAsConcatenatedJson()
    {
        using var dir = new McpGuard.TestSupport.TempDirectory();
        var lines = File.ReadAllLines(MailFixtures.Path("ses-events.jsonl"));
        var path = dir.Write("firehose-object", string.Concat(lines));

        var result = await MailAuditRunner.AuditFileAsync(path, null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(10, result.MessagesScanned);
        Assert.Equal(6, Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club").Messages);
    }

    [Fact]
    public async Task AuditFile_OneWebhookBatchPerLine_ReadsEveryBatch()
    {
        using var dir = new McpGuard.TestSupport.TempDirectory();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(MailFixtures.Path("sendgrid-events.json")));
        var events = doc.RootElement.EnumerateArray().Select(e => System.Text.Json.JsonSerializer.Serialize(e)).ToList();
        var half = events.Count / 2;
        var path = dir.Write("batches.jsonl", $"[{string.Join(",", events.Take(half))}]\n[{string.Join(",", events.Skip(half))}]\n");

        var result = await MailAuditRunner.AuditFileAsync(path, null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Skipped);
        Assert.Equal(6, Assert.Single(result.Recipients).Messages);
    }

    [Theory]
    [InlineData(2026, 1, 10, 2025)] // September would be in the future: last year's log
    [InlineData(2026, 11, 23, 2026)]
    public async Task Postfix_ClassicSyslogWithoutYear_AssumesTheLatestPastYear(int year, int month, int day, int expectedYear)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero));
        var source = new McpGuard.Investigate.MailAudit.Sources.PostfixLogSource(time);
        var dates = new List<DateTimeOffset?>();

        await foreach (var r in source.ReadAsync(MailFixtures.Path("postfix-mail.log"), new MailReadContext(), TestContext.Current.CancellationToken))
        {
            dates.Add(r.Date);
        }

        Assert.Equal(3, dates.Count);
        Assert.All(dates, d => Assert.Equal(new DateTime(expectedYear, 9, 16), d!.Value.Date));
    }
}
