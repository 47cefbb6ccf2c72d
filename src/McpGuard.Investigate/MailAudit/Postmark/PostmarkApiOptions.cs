namespace McpGuard.Investigate.MailAudit.Postmark;

/// <summary>When to call GET /messages/outbound/{id}/details for a message found by the search.</summary>
public enum PostmarkDetailsMode
{
    /// <summary>Only when the search entry does not show every envelope recipient's role (no Bcc field, or extra Recipients).</summary>
    Auto,

    /// <summary>For every message: slow (one request each), for servers whose search results omit Bcc.</summary>
    Always,

    /// <summary>Never: the search results alone.</summary>
    Never,
}

/// <summary>
/// How to read a Postmark server's outbound messages. The server token is deliberately not part of this record
/// (records print every property in ToString, and options get logged); it is passed to the client on its own.
/// </summary>
public sealed record PostmarkApiOptions
{
    public static readonly Uri DefaultApiBase = new("https://api.postmarkapp.com/");

    /// <summary>The API root; tests and proxies point it elsewhere (--api-base).</summary>
    public Uri ApiBase { get; init; } = DefaultApiBase;

    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public PostmarkDetailsMode Details { get; init; } = PostmarkDetailsMode.Auto;

    /// <summary>Messages per search request: 500 is Postmark's documented maximum for "count".</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Postmark refuses count + offset above 10,000, so longer histories are read in date windows of this size.</summary>
    public int MaxMessagesPerWindow { get; init; } = 10_000;

    /// <summary>Retries after a 429, a 5xx or a network error: with the default delay about 30 s of patience in all.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First retry delay, doubled each time with jitter, unless the server sends Retry-After.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait a Retry-After may impose, so a misbehaving proxy cannot stall the audit for hours.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One request's timeout; a page of 500 summaries is well under 1 MB.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
