using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using McpGuard.Core;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace McpGuard.Investigate.MailAudit.Postmark;

/// <summary>
/// Reads a Postmark server's outbound messages live: GET /messages/outbound (count/offset paging, fromdate/todate),
/// and GET /messages/outbound/{MessageID}/details when the search entry does not show every recipient's role.
/// Authenticates with the X-Postmark-Server-Token header. 429s, 5xx and network errors are retried with exponential
/// backoff by a Polly pipeline (Microsoft.Extensions.Http.Resilience, which honours Retry-After).
/// A page that still fails is skipped and reported, so one bad page costs 500 messages, not the audit; a failure on
/// the first page, a rejected token or rejected parameters stop the run with one clear line (exit 2).
/// </summary>
internal sealed class PostmarkApiSource : IDisposable
{
    private readonly PostmarkApiOptions _options;
    private readonly string _token;
    private readonly HttpClient _http;

    public PostmarkApiSource(string token, PostmarkApiOptions options)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Any(char.IsControl))
        {
            // The value is never echoed: a token pasted with a newline is still a secret.
            throw new UserInputException("the Postmark server token is empty or contains control characters.");
        }

        _token = token.Trim();
        _options = options;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
        var handler = new ResilienceHandler(pipeline)
        {
            InnerHandler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
        };

        // The pipeline's per-attempt timeout governs; the client's own would cut across retries.
        _http = new HttpClient(handler) { BaseAddress = options.ApiBase, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The API root as shown in messages (no token is ever in a URL: Postmark takes it in a header).</summary>
    public string Describe => _options.ApiBase.GetLeftPart(UriPartial.Path);

    public async IAsyncEnumerable<MailRecord> ReadAsync(MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Postmark reads fromdate/todate in its own time zone (US Eastern); a day of margin each side and an exact
        // filter on ReceivedAt (which carries its offset) make --since/--until exact whatever the zone.
        var from = _options.Since?.AddDays(-1);
        var to = _options.Until?.AddDays(1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var firstPage = true;
        while (true)
        {
            var offset = 0;
            long? total = null;
            DateTimeOffset? oldest = null;
            var windowLimitHit = false;
            while (total is null || offset < total)
            {
                if (offset + _options.PageSize > _options.MaxMessagesPerWindow)
                {
                    windowLimitHit = true;
                    break;
                }

                var path = SearchPath(offset, from, to);
                JsonDocument page;
                try
                {
                    page = await GetJsonAsync(path, cancellationToken);
                }
                catch (PostmarkApiException ex) when (!firstPage)
                {
                    context.Skip(Describe + "messages/outbound", null, $"{ex.Message}; messages {offset}–{offset + _options.PageSize - 1} of this window were skipped", _options.PageSize);
                    offset += _options.PageSize;
                    continue;
                }
                catch (PostmarkApiException ex)
                {
                    throw new UserInputException($"--api-base {Describe}: {ex.Message}", ex);
                }

                firstPage = false;
                using (page)
                {
                    var root = page.RootElement;
                    total = root.TryGetProperty("TotalCount", out var t) && t.TryGetInt64(out var n) ? n : 0;
                    if (!root.TryGetProperty("Messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
                    {
                        break;
                    }

                    foreach (var m in messages.EnumerateArray())
                    {
                        var id = JsonRecordReader.String(m, "MessageID");
                        if (id is null || !seen.Add(id))
                        {
                            continue;
                        }

                        var received = MailDates.Parse(m, "ReceivedAt");
                        if (received is { } r && (oldest is null || r < oldest))
                        {
                            oldest = r;
                        }

                        if ((_options.Since is { } since && received < since) || (_options.Until is { } until && received > until))
                        {
                            continue;
                        }

                        var record = await DetailsIfNeededAsync(id, m, context, cancellationToken);
                        if (record is not null)
                        {
                            yield return record;
                        }
                    }

                    offset += messages.GetArrayLength();
                }
            }

            // Past 10,000 messages, move the window's end back to the oldest message seen and page again; the
            // MessageID set drops the overlap. No progress (10,000 messages in one second) ends with a note.
            if (!windowLimitHit || oldest is null || (to is { } prev && oldest >= prev))
            {
                if (windowLimitHit)
                {
                    context.Note(Describe + "messages/outbound", "more than 10,000 messages share one second; older messages were not read (narrow --since/--until)");
                }

                yield break;
            }

            to = oldest;
        }
    }

    private async Task<MailRecord?> DetailsIfNeededAsync(string id, JsonElement summary, MailReadContext context, CancellationToken cancellationToken)
    {
        var fetch = _options.Details switch
        {
            PostmarkDetailsMode.Always => true,
            PostmarkDetailsMode.Never => false,
            _ => PostmarkMessage.NeedsDetails(summary),
        };
        if (fetch)
        {
            try
            {
                using var details = await GetJsonAsync($"messages/outbound/{Uri.EscapeDataString(id)}/details", cancellationToken);
                if (PostmarkMessage.Map(details.RootElement) is { } full)
                {
                    return full;
                }
            }
            catch (PostmarkApiException ex)
            {
                // Fail open to the summary: it still lists To, Cc and the envelope, so only the Bcc/extra role is lost.
                context.Note(Describe + "messages/outbound/{id}/details", $"details of message {id} unavailable ({ex.Message}); its search entry was audited instead");
            }
        }

        return PostmarkMessage.Map(summary);
    }

    private string SearchPath(int offset, DateTimeOffset? from, DateTimeOffset? to)
    {
        var q = $"messages/outbound?count={_options.PageSize}&offset={offset}";
        if (from is { } f)
        {
            q += "&fromdate=" + Uri.EscapeDataString(f.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        }

        if (to is { } t)
        {
            q += "&todate=" + Uri.EscapeDataString(t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        }

        return q;
    }

    private async Task<JsonDocument> GetJsonAsync(string relative, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relative);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation("X-Postmark-Server-Token", _token);
        var shown = "GET /" + relative.Split('?')[0];
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new PostmarkApiException($"{shown} failed: {Redact(ex.Message)}", null, ex);
        }
        catch (Polly.Timeout.TimeoutRejectedException ex)
        {
            throw new PostmarkApiException($"{shown} timed out after {_options.AttemptTimeout.TotalSeconds:0} s", null, ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return JsonDocument.Parse(body);
                }
                catch (JsonException ex)
                {
                    throw new PostmarkApiException($"{shown} returned malformed JSON: {ex.Message}", (int)response.StatusCode, ex);
                }
            }

            var (code, message) = ErrorOf(body);
            var status = (int)response.StatusCode;
            var detail = $"HTTP {status}{(code is null ? "" : $", ErrorCode {code}")}{(message is null ? "" : $": {Redact(message)}")}";
            if (response.StatusCode == HttpStatusCode.Unauthorized || code == 10)
            {
                // Not retried and not skipped: every further request would fail the same way.
                throw new UserInputException($"Postmark API {Describe} rejected the server token ({detail}); check the token (use a Server token, not an Account token).");
            }

            if (status == 422)
            {
                throw new UserInputException($"Postmark API {Describe} rejected {shown} ({detail}).");
            }

            throw new PostmarkApiException($"{shown} failed with {detail}", status);
        }
    }

    private static (int? Code, string? Message) ErrorOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            int? code = root.TryGetProperty("ErrorCode", out var c) && c.TryGetInt32(out var ci) ? ci : null;
            return (code, JsonRecordReader.String(root, "Message"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>A server or proxy could echo the token in an error; it never reaches our output.</summary>
    private string Redact(string text) => text.Replace(_token, "***", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}
