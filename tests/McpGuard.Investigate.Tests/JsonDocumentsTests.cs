using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.Investigate.MailAudit;
using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests;

/// <summary>Saved API responses: one or more whole JSON documents in a file (Mailgun pages, a Postmark export).</summary>
public sealed class JsonDocumentsTests
{
    private static readonly MailAuditOptions s_options = new MailAuditOptions { TrustedDomains = ["shop.example"] }.WithIntel(IntelDatabase.BuiltIn);

    private static string Page(int first) => $$"""
        {
          "items": [
            { "event": "delivered", "id": "e{{first}}a", "timestamp": 1758013200.0, "recipient": "customer{{first}}@example.net",
              "message": { "headers": { "to": "customer{{first}}@example.net", "message-id": "m{{first}}@mg.shop.example", "subject": "Invoice {{first}}" } } },
            { "event": "delivered", "id": "e{{first}}b", "timestamp": 1758013200.0, "recipient": "phan@giftshop.club",
              "message": { "headers": { "to": "customer{{first}}@example.net", "message-id": "m{{first}}@mg.shop.example", "subject": "Invoice {{first}}" } } }
          ],
          "paging": {}
        }
        """;

    [Fact]
    public async Task ConcatenatedPages_AreAllRead_AndACutLastPageIsReportedWithItsLine()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("mailgun-pages.json", Page(1) + "\n" + Page(2) + "\n" + Page(3)[..80]);

        var result = await MailAuditRunner.AuditFileAsync(file, null, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, result.MessagesScanned);
        Assert.Equal(2, result.Recipients.Single(r => r.Address == "phan@giftshop.club").Messages);
        Assert.Equal(1, result.Skipped);
        var d = Assert.Single(result.Diagnostics);
        Assert.Contains("rest of the file", d.Message, StringComparison.Ordinal);
        Assert.True(d.Line > 20, $"line {d.Line} should point into the third page");
    }

    [Fact]
    public async Task DuplicateKeys_AreRejectedInWholeDocuments()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("dup.json", """{ "items": [ { "recipient": "a@example.net", "recipient": "phan@giftshop.club", "message": { "headers": { "message-id": "x" } } } ] }""");

        var ex = await Assert.ThrowsAsync<UserInputException>(() => MailAuditRunner.AuditFileAsync(file, "mailgun", s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("dup.json", ex.Message, StringComparison.Ordinal);
    }
}
