using McpGuard.Core.Intel;
using McpGuard.Investigate.MailAudit;
using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests;

/// <summary>The headers-only mbox reader takes each message's own header block, never a part's or an attachment's.</summary>
public sealed class MboxHeaderReaderTests
{
    [Fact]
    public async Task Mbox_AttachedMessageAndParts_OnlyTopLevelHeadersCount()
    {
        using var dir = new TempDirectory();
        var mbox = dir.Write("sent.mbox", string.Join("\n",
        [
            "From billing@shop.example Tue Sep 16 09:00:00 2025",
            "From: Billing <billing@shop.example>",
            "To: Customer <customer@example.net>",
            "Bcc: phan@giftshop.club",
            "Subject: Forwarded complaint",
            "Date: Tue, 16 Sep 2025 09:00:00 +0000",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "--b1",
            "Content-Type: text/plain",
            "Bcc: part-header@ignored.example",
            "",
            "See the attached message.",
            ">From the team",
            "--b1",
            "Content-Type: message/rfc822",
            "",
            "From: Someone <someone@other.example>",
            "To: inner@attached.example",
            "Bcc: inner-bcc@attached.example",
            "Subject: Original",
            "",
            "original body",
            "--b1--",
            "",
            "From billing@shop.example Tue Sep 16 10:00:00 2025",
            "From: Billing <billing@shop.example>",
            "To: =?utf-8?q?K=C3=A4the?= <kaethe@example.net>, second@example.net",
            "Bcc: \"Copy, Desk\" <copy@unknown.example>",
            "Subject: =?utf-8?q?Rechnung_f=C3=BCr_K=C3=A4the?=",
            "Date: Tue, 16 Sep 2025 10:00:00 +0000",
            "",
            "body",
            "",
        ]));

        var result = await MailAuditRunner.AuditFileAsync(mbox, null, new MailAuditOptions { TrustedDomains = ["shop.example"] }.WithIntel(IntelDatabase.BuiltIn),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.MessagesScanned);
        Assert.Equal(0, result.Skipped);
        Assert.Equal(["copy@unknown.example", "phan@giftshop.club"], result.Recipients.Select(r => r.Address).Order(StringComparer.Ordinal));
        Assert.Equal("MCPG700", result.Recipients.Single(r => r.Address == "phan@giftshop.club").RuleId);
        var copy = result.Recipients.Single(r => r.Address == "copy@unknown.example");
        Assert.Equal("Rechnung für Käthe", Assert.Single(copy.SampleSubjects));
        Assert.Equal(new DateTimeOffset(2025, 9, 16, 10, 0, 0, TimeSpan.Zero), copy.FirstSeen);
    }
}
