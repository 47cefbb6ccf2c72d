using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace McpGuard.Verify.Watch;

/// <summary>Limits of the webhook queue and its retries. Defaults carry their reason.</summary>
public sealed record WebhookOptions
{
    /// <summary>256 events: far more than one cycle produces; when a receiver is down for long, the oldest are dropped (and counted).</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>4 retries with jittered exponential back-off from 1 s: rides out a receiver restart without hammering it.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>10 s per attempt: a webhook receiver that takes longer is not going to answer.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>15 s on shutdown to deliver what is queued, so `watch --once` does not lose its last events yet always ends.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Posts each event as JSON to a webhook from a background task behind a bounded queue, so a slow or dead receiver
/// never blocks the watch loop. Failures are reported through <c>onFailure</c> with the host only: webhook URLs
/// often carry their secret in the path or query, so the full URL is never printed.
/// </summary>
public sealed class WebhookNotifier : IWatchEventSink, IAsyncDisposable
{
    private readonly Channel<JsonObject> _queue;
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly WebhookOptions _options;
    private readonly Action<string> _onFailure;
    private readonly Task _sender;
    private long _dropped;
    private long _delivered;
    private long _failed;

    public WebhookNotifier(Uri url, Action<string> onFailure, WebhookOptions? options = null, HttpMessageHandler? innerHandler = null)
    {
        _url = url;
        _options = options ?? new WebhookOptions();
        _onFailure = onFailure;

        // Dropping the oldest keeps the newest verdicts, which supersede older ones for the same package.
        _queue = Channel.CreateBounded<JsonObject>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _dropped));
        _http = WatchHttp.CreateClient(_options.MaxRetries, _options.RetryDelay, _options.AttemptTimeout, innerHandler ?? new SocketsHttpHandler());
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>The webhook as shown in messages: scheme, host and port only.</summary>
    public string Display => _url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    public long Delivered => Interlocked.Read(ref _delivered);
    public long Failed => Interlocked.Read(ref _failed);
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues the event and returns at once; never waits for the receiver.</summary>
    public ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken)
    {
        _queue.Writer.TryWrite(watchEvent.ToJson());
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops accepting events and delivers what is queued, for at most <see cref="WebhookOptions.DrainTimeout"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_sender, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false) != _sender)
        {
            _onFailure($"webhook {Display}: {_queue.Reader.Count} event(s) were still queued at shutdown and were not delivered");
        }

        if (Dropped > 0)
        {
            _onFailure($"webhook {Display}: {Dropped} event(s) were dropped because the queue was full (the receiver was too slow or down)");
        }

        _http.Dispose();
    }

    private async Task SendLoopAsync()
    {
        await foreach (var body in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                // JsonNode writes itself without reflection, so this stays Native AOT-safe (PostAsJsonAsync is not).
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var response = await _http.PostAsync(_url, content).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    continue;
                }

                Interlocked.Increment(ref _failed);
                _onFailure($"webhook {Display} answered {(int)response.StatusCode} after retries; the event for {body["package"]} {body["version"]} was not delivered");
            }
            catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failed);
                _onFailure($"webhook {Display} could not be reached after retries ({ex.GetType().Name}); the event for {body["package"]} {body["version"]} was not delivered");
            }
        }
    }
}

/// <summary>One JSON object per line (docs/watch.md), flushed per event so a consumer sees it at once.</summary>
public sealed class JsonLinesWatchSink(TextWriter writer) : IWatchEventSink
{
    public async ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken)
    {
        await writer.WriteLineAsync(watchEvent.ToJson().ToJsonString()).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
