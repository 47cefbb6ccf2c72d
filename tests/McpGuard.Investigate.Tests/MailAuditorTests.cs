using McpGuard.Core;
using McpGuard.Core.Findings;
using McpGuard.Investigate.MailAudit;

namespace McpGuard.Investigate.Tests;

public sealed class MailAuditorTests
{
    private static MailRecord Message(int i, params MailRecipient[] recipients) => new()
    {
        MessageId = $"m{i}",
        Date = new DateTimeOffset(2025, 9, 16, 0, 0, 0, TimeSpan.Zero).AddHours(i),
        Subject = $"Subject {i}",
        Recipients = recipients,
    };

    private static MailAuditResult Run(MailAuditOptions options, IEnumerable<MailRecord> records)
    {
        var auditor = new MailAuditor(options, "test", "test.log");
        foreach (var r in records)
        {
            auditor.Observe(r);
        }

        return auditor.Complete(new MailReadContext());
    }

    private static readonly MailRecipient s_customer = new("customer@example.net", RecipientRole.To);

    [Fact]
    public void HiddenCopy_AtThreshold_IsHigh_BelowIsMedium()
    {
        // 5 of 25 messages = 20% and 5 messages: exactly at both defaults.
        var records = Enumerable.Range(0, 25).Select(i => i < 5
            ? Message(i, s_customer, new MailRecipient("copy@unknown.example", RecipientRole.Bcc))
            : Message(i, s_customer));
        Assert.Equal(Severity.High, Assert.Single(Run(new MailAuditOptions(), records).Findings).Severity);

        var fewer = Enumerable.Range(0, 26).Select(i => i < 5
            ? Message(i, s_customer, new MailRecipient("copy@unknown.example", RecipientRole.Bcc))
            : Message(i, s_customer));
        var finding = Assert.Single(Run(new MailAuditOptions(), fewer).Findings);
        Assert.Equal(("MCPG701", Severity.Medium), (finding.RuleId, finding.Severity));
    }

    [Fact]
    public void HiddenCopy_OnEveryMessageOfTinyLog_NotCalledSystematic()
    {
        var records = Enumerable.Range(0, 4).Select(i => Message(i, s_customer, new MailRecipient("copy@unknown.example", RecipientRole.Bcc)));
        Assert.Equal("MCPG701", Assert.Single(Run(new MailAuditOptions(), records).Findings).RuleId);
    }

    [Fact]
    public void TrustedDomain_CoversSubdomains_AndExpectedAddressesAreSilent()
    {
        var options = new MailAuditOptions { TrustedDomains = ["shop.example"], ExpectedAddresses = ["Archive@Partner.example"] };
        var records = Enumerable.Range(0, 10).Select(i => Message(i, s_customer,
            new MailRecipient("audit@mail.shop.example", RecipientRole.Bcc),
            new MailRecipient("archive@partner.example", RecipientRole.Bcc)));

        Assert.Empty(Run(options, records).Findings);
    }

    [Fact]
    public void KnownBad_WinsOverTrusted_AndCountsVisibleTo()
    {
        var options = new MailAuditOptions { TrustedDomains = ["giftshop.club"], KnownBadDomains = ["giftshop.club"] };
        var result = Run(options, [Message(0, new MailRecipient("someone@giftshop.club", RecipientRole.To))]);

        var f = Assert.Single(result.Findings);
        Assert.Equal(("MCPG700", Severity.Critical), (f.RuleId, f.Severity));
        Assert.Equal("someone@giftshop.club", f.Evidence!["address"]!.GetValue<string>());
    }

    [Fact]
    public void ToRecipients_AndLoneUnknownDeliveries_AreNotReported()
    {
        var records = Enumerable.Range(0, 50).Select(i => Message(i, new MailRecipient("same@customer.example", i % 2 == 0 ? RecipientRole.To : RecipientRole.Unknown)));
        Assert.Empty(Run(new MailAuditOptions(), records).Findings);
    }

    [Fact]
    public void Evidence_HasCountDatesAndAtMostThreeSubjects()
    {
        var records = Enumerable.Range(0, 6).Select(i => Message(i, s_customer, new MailRecipient("copy@unknown.example", RecipientRole.Extra)));
        var evidence = Assert.Single(Run(new MailAuditOptions(), records).Findings).Evidence!;

        Assert.Equal(6, evidence["count"]!.GetValue<long>());
        Assert.Equal("2025-09-16T00:00:00.0000000+00:00", evidence["firstSeen"]!.GetValue<string>());
        Assert.Equal("2025-09-16T05:00:00.0000000+00:00", evidence["lastSeen"]!.GetValue<string>());
        Assert.Equal(3, evidence["sampleSubjects"]!.AsArray().Count);
        Assert.Equal("test", evidence["source"]!.GetValue<string>());
    }

    [Fact]
    public void Validator_BadThresholdAndAddress_NamesBoth()
    {
        var ex = Assert.Throws<UserInputException>(() => MailAuditOptionsValidator.ThrowIfInvalid(
            new MailAuditOptions { HiddenCopyMinShare = 1.5, ExpectedAddresses = ["not-an-address"] }));

        Assert.Contains("share", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not-an-address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvWriter_SubjectThatLooksLikeFormula_IsDefused()
    {
        var records = Enumerable.Range(0, 2).Select(i => Message(i, s_customer, new MailRecipient("copy@unknown.example", RecipientRole.Bcc)) with { Subject = "=HYPERLINK(\"http://x\")" });

        var csv = MailAuditCsvWriter.Write(Run(new MailAuditOptions(), records));

        var row = csv.Split('\n')[1];
        Assert.StartsWith("copy@unknown.example,MCPG701,medium,2,", row, StringComparison.Ordinal);
        Assert.Contains("'=HYPERLINK", row, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageGrouper_ManyCompletedMessages_KeepsMemoryBounded()
    {
        var grouper = new MessageGrouper();
        var emitted = 0;
        for (var i = 0; i < 3 * MessageGrouper.MaxOpen; i++)
        {
            var key = "q" + i;
            Assert.Null(grouper.Add(key, "a@example.net", RecipientRole.Unknown));
            emitted += grouper.Complete(key) is null ? 0 : 1;
        }

        Assert.Equal(3 * MessageGrouper.MaxOpen, emitted);
        Assert.True(grouper.QueuedKeys <= 2 * MessageGrouper.MaxOpen + 1, $"queue holds {grouper.QueuedKeys} keys");
        Assert.Empty(grouper.Flush());
    }
}
