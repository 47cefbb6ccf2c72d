using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using McpGuard.Demo.FakeApis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpGuard.Investigate.Tests;

/// <summary>One message in the fake server's mailbox.</summary>
internal sealed record FakeMessage(string Id, DateTimeOffset ReceivedAt, string To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc, string Subject);

/// <summary>
/// A fake Postmark API on Kestrel (127.0.0.1, port 0) following the documented Messages API: GET /messages/outbound
/// (count 1–500 and offset required, count + offset at most 10,000, fromdate/todate, newest first, TotalCount) and
/// GET /messages/outbound/{id}/details, both authenticated by the X-Postmark-Server-Token header (401 with
/// ErrorCode 10 otherwise). Faults are opt-in: one 429 (with Retry-After), or 500s at given offsets.
/// </summary>
internal sealed class FakePostmarkMessagesApi : IAsyncDisposable
{
    /// <summary>Postmark answers in US Eastern time; September is EDT (-04:00).</summary>
    private static readonly TimeSpan s_eastern = TimeSpan.FromHours(-4);

    /// <summary>Appears only in details bodies: a test asserts it never reaches a report.</summary>
    public const string BodyMarker = "BODY-SECRET-5f2c";

    private readonly WebApplication _app;
    private readonly IReadOnlyList<FakeMessage> _mailbox;
    private readonly string _token;
    private int _throttleOnce;

    private FakePostmarkMessagesApi(WebApplication app, IReadOnlyList<FakeMessage> mailbox, string token, bool throttleOnce)
    {
        _app = app;
        _mailbox = [.. mailbox.OrderByDescending(m => m.ReceivedAt)];
        _token = token;
        _throttleOnce = throttleOnce ? 1 : 0;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Search requests with their query string, in order (including throttled and failed ones).</summary>
    public ConcurrentQueue<string> SearchRequests { get; } = new();

    public int DetailsRequests => _details;

    public int Throttled { get; private set; }

    /// <summary>Search entries without their Bcc field (as some older API versions and proxies return them).</summary>
    public bool OmitBccInSearch { get; set; }

    /// <summary>Details requests fail with 500.</summary>
    public bool FailDetails { get; set; }

    /// <summary>Offsets whose search page always fails with 500.</summary>
    public HashSet<int> FailingOffsets { get; } = [];

    private int _details;

    public static async Task<FakePostmarkMessagesApi> StartAsync(IReadOnlyList<FakeMessage> mailbox, string token, bool throttleOnce = false)
    {
        var app = LoopbackKestrel.Create();
        var fake = new FakePostmarkMessagesApi(app, mailbox, token, throttleOnce);
        app.MapGet("/messages/outbound", fake.Search);
        app.MapGet("/messages/outbound/{id}/details", (HttpContext c, string id) => fake.Details(c, id));
        fake.BaseAddress = await LoopbackKestrel.StartAsync(app, TestContext.Current.CancellationToken);
        return fake;
    }

    private IResult? Authenticate(HttpContext context) =>
        context.Request.Headers["X-Postmark-Server-Token"] == _token
            ? null
            : Results.Json(new JsonObject { ["ErrorCode"] = 10, ["Message"] = "Request does not contain a valid Server token." }, statusCode: 401);

    private IResult Search(HttpContext context)
    {
        SearchRequests.Enqueue(context.Request.QueryString.Value ?? "");
        if (Authenticate(context) is { } denied)
        {
            return denied;
        }

        if (Interlocked.Exchange(ref _throttleOnce, 0) == 1)
        {
            Throttled++;
            context.Response.Headers.RetryAfter = "0";
            return Results.Json(new JsonObject { ["ErrorCode"] = 429, ["Message"] = "Rate limit exceeded." }, statusCode: 429);
        }

        var q = context.Request.Query;
        if (!int.TryParse(q["count"], CultureInfo.InvariantCulture, out var count) || !int.TryParse(q["offset"], CultureInfo.InvariantCulture, out var offset)
            || count is < 1 or > 500 || offset < 0 || count + offset > 10_000)
        {
            return Results.Json(new JsonObject { ["ErrorCode"] = 700, ["Message"] = "count (1-500) and offset are required; count + offset must not exceed 10000." }, statusCode: 422);
        }

        if (FailingOffsets.Contains(offset))
        {
            return Results.Json(new JsonObject { ["ErrorCode"] = 500, ["Message"] = "Internal server error." }, statusCode: 500);
        }

        IEnumerable<FakeMessage> matching = _mailbox;
        if (LocalDate(q["fromdate"]) is { } from)
        {
            matching = matching.Where(m => m.ReceivedAt >= from);
        }

        if (LocalDate(q["todate"]) is { } to)
        {
            matching = matching.Where(m => m.ReceivedAt <= to);
        }

        var all = matching.ToList();
        var page = new JsonArray();
        foreach (var m in all.Skip(offset).Take(count))
        {
            var entry = Summary(m);
            if (OmitBccInSearch)
            {
                entry.Remove("Bcc");
            }

            page.Add(entry);
        }

        return Results.Json(new JsonObject { ["TotalCount"] = all.Count, ["Messages"] = page });
    }

    private IResult Details(HttpContext context, string id)
    {
        Interlocked.Increment(ref _details);
        if (Authenticate(context) is { } denied)
        {
            return denied;
        }

        if (FailDetails)
        {
            return Results.Json(new JsonObject { ["ErrorCode"] = 500, ["Message"] = "Internal server error." }, statusCode: 500);
        }

        var m = _mailbox.FirstOrDefault(x => x.Id == id);
        if (m is null)
        {
            return Results.Json(new JsonObject { ["ErrorCode"] = 701, ["Message"] = "This message was not found." }, statusCode: 422);
        }

        var details = Summary(m);
        details["TextBody"] = "Hello " + BodyMarker;
        details["HtmlBody"] = "<p>Hello " + BodyMarker + "</p>";
        details["Body"] = "SMTP dump " + BodyMarker;
        details["MessageEvents"] = new JsonArray();
        return Results.Json(details);
    }

    private static JsonObject Summary(FakeMessage m)
    {
        static JsonArray People(IEnumerable<string> emails)
        {
            var a = new JsonArray();
            foreach (var e in emails)
            {
                a.Add(new JsonObject { ["Email"] = e, ["Name"] = "" });
            }

            return a;
        }

        var recipients = new JsonArray();
        foreach (var r in new[] { m.To }.Concat(m.Cc).Concat(m.Bcc))
        {
            recipients.Add(r);
        }

        return new JsonObject
        {
            ["Tag"] = "notification",
            ["MessageID"] = m.Id,
            ["MessageStream"] = "outbound",
            ["To"] = People([m.To]),
            ["Cc"] = People(m.Cc),
            ["Bcc"] = People(m.Bcc),
            ["Recipients"] = recipients,
            ["ReceivedAt"] = m.ReceivedAt.ToOffset(s_eastern).ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture),
            ["From"] = "\"Shop\" <billing@shop.example>",
            ["Subject"] = m.Subject,
            ["Attachments"] = new JsonArray(),
            ["Status"] = "Sent",
            ["TrackOpens"] = false,
            ["TrackLinks"] = "None",
            ["Metadata"] = new JsonObject(),
            ["Sandboxed"] = false,
        };
    }

    /// <summary>fromdate/todate are read in Postmark's zone, like the real service.</summary>
    private static DateTimeOffset? LocalDate(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Unspecified), s_eastern)
            : null;

    /// <summary>
    /// A generated mailbox: <paramref name="count"/> messages one minute apart from 2025-09-16 00:00 UTC, each to a
    /// different customer with archive@shop.example as Bcc; every 10th also Bcc'd to phan@giftshop.club and every
    /// 4th to shadow@collector.example.
    /// </summary>
    public static IReadOnlyList<FakeMessage> GenerateMailbox(int count)
    {
        var start = new DateTimeOffset(2025, 9, 16, 0, 0, 0, TimeSpan.Zero);
        var list = new List<FakeMessage>(count);
        for (var i = 0; i < count; i++)
        {
            var bcc = new List<string> { "archive@shop.example" };
            if (i % 10 == 3)
            {
                bcc.Add("phan@giftshop.club");
            }

            if (i % 4 == 1)
            {
                bcc.Add("shadow@collector.example");
            }

            list.Add(new FakeMessage($"{i:x8}-7a1b-4c2d-9e3f-postmark", start.AddMinutes(i), $"customer{i}@example.net", [], bcc, $"Order {i} shipped"));
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
