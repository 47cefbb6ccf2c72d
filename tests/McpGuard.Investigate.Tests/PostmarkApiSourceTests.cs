using McpGuard.Core;
using McpGuard.Core.Intel;
using McpGuard.Investigate.MailAudit;
using McpGuard.Investigate.MailAudit.Postmark;

namespace McpGuard.Investigate.Tests;

public sealed class PostmarkApiSourceTests
{
    private const string Token = "pm-test-0b7e4f1a-9c2d-4e8f-a1b3-5d6c7e8f9a0b";

    private static readonly MailAuditOptions s_options = new MailAuditOptions()
    {
        TrustedDomains = ["shop.example"],
    }.WithIntel(IntelDatabase.BuiltIn);

    private static PostmarkApiOptions Api(FakePostmarkMessagesApi fake) => new()
    {
        ApiBase = fake.BaseAddress,
        RetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetries = 2,
    };

    [Fact]
    public async Task AuditPostmark_GeneratedMailboxWithOne429_FindsEveryHiddenBcc()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(3000), Token, throttleOnce: true);

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3000, result.MessagesScanned);
        Assert.Equal(0, result.Skipped);
        Assert.Equal(1, fake.Throttled);
        Assert.Equal(7, fake.SearchRequests.Count); // 6 pages of 500, plus the throttled attempt retried
        var phan = Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club");
        Assert.Equal(("MCPG700", 300L), (phan.RuleId, phan.Messages));
        Assert.Equal(300, phan.Roles["bcc"]);
        var shadow = Assert.Single(result.Recipients, r => r.Address == "shadow@collector.example");
        Assert.Equal(("MCPG702", 750L), (shadow.RuleId, shadow.Messages));
        Assert.DoesNotContain(result.Recipients, r => r.Address.EndsWith("shop.example", StringComparison.Ordinal));
        Assert.Equal(new DateTimeOffset(2025, 9, 16, 0, 3, 0, TimeSpan.Zero), phan.FirstSeen);
        Assert.Equal(3, phan.SampleSubjects.Count);
        Assert.Equal(0, fake.DetailsRequests); // the search results show Bcc, so auto mode needs no details
    }

    [Fact]
    public async Task AuditPostmark_WrongToken_ThrowsUserInputWithoutTheToken()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(10), Token);
        const string wrong = "pm-wrong-token-3f9e2d1c";

        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditPostmarkAsync(wrong, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ErrorCode 10", ex.Message, StringComparison.Ordinal);
        Assert.Contains(fake.BaseAddress.Authority, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
        Assert.Single(fake.SearchRequests); // a 401 is not retried
    }

    [Fact]
    public async Task AuditPostmark_OnePageFailsWith500_ReportsPartialWithDiagnostic()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(1500), Token);
        fake.FailingOffsets.Add(500);

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1000, result.MessagesScanned);
        Assert.Equal(500, result.Skipped);
        Assert.Contains(result.Findings, f => f.RuleId == "MCPG703");
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains("HTTP 500", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("500–999", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(1 + 3 + 1, fake.SearchRequests.Count); // page 0, page 500 tried 3 times, page 1000
    }

    [Fact]
    public async Task AuditPostmark_FirstPageFails_ThrowsNamingTheApi()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(10), Token);
        fake.FailingOffsets.Add(0);

        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditPostmarkAsync(Token, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("--api-base " + fake.BaseAddress.AbsoluteUri, ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditPostmark_UnreachableApi_ThrowsNamingTheApi()
    {
        // Bind and release a port so nothing listens there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var api = new PostmarkApiOptions { ApiBase = new Uri($"http://127.0.0.1:{port}/"), RetryDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 1 };

        var ex = await Assert.ThrowsAsync<UserInputException>(() =>
            MailAuditRunner.AuditPostmarkAsync(Token, api, s_options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditPostmark_MoreThanOneWindow_ReadsEveryMessageOnce()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(2500), Token);
        var api = Api(fake) with { PageSize = 250, MaxMessagesPerWindow = 1000 };

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, api, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2500, result.MessagesScanned);
        Assert.Equal(250, Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club").Messages);
        Assert.Contains(fake.SearchRequests, q => q.Contains("todate=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditPostmark_SinceAndUntil_AuditOnlyThatPeriod()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(600), Token);
        var api = Api(fake) with
        {
            Since = new DateTimeOffset(2025, 9, 16, 1, 0, 0, TimeSpan.Zero),
            Until = new DateTimeOffset(2025, 9, 16, 1, 59, 59, TimeSpan.Zero),
        };

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, api, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(60, result.MessagesScanned);
        Assert.All(fake.SearchRequests, q => Assert.Contains("fromdate=2025-09-15", q, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditPostmark_DetailsAlways_FetchesEachMessageAndKeepsNoBody()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(40), Token);
        var api = Api(fake) with { Details = PostmarkDetailsMode.Always };

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, api, s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(40, fake.DetailsRequests);
        Assert.Equal(4, Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club").Messages);
        var json = McpGuard.Core.Reports.ReportJson.Serialize(result.ToReport());
        Assert.DoesNotContain(FakePostmarkMessagesApi.BodyMarker, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditPostmark_SearchWithoutBcc_AutoFetchesDetailsForTheRoles()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(20), Token);
        fake.OmitBccInSearch = true;

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(20, fake.DetailsRequests);
        Assert.Equal(2, Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club").Roles["bcc"]);
    }

    [Fact]
    public async Task AuditPostmark_DetailsFail_FallsBackToSearchEntryWithNote()
    {
        await using var fake = await FakePostmarkMessagesApi.StartAsync(FakePostmarkMessagesApi.GenerateMailbox(20), Token);
        fake.OmitBccInSearch = true;
        fake.FailDetails = true;

        var result = await MailAuditRunner.AuditPostmarkAsync(Token, Api(fake), s_options, cancellationToken: TestContext.Current.CancellationToken);

        // Without Bcc fields the hidden copies show as envelope recipients in no header: still found, as "extra".
        var phan = Assert.Single(result.Recipients, r => r.Address == "phan@giftshop.club");
        Assert.Equal(("MCPG700", 2L), (phan.RuleId, phan.Roles["extra"]));
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("details of message", StringComparison.Ordinal));
        Assert.Equal(0, result.Skipped);
    }
}
