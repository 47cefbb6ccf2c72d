using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace McpGuard.Verify.Watch;

/// <summary>
/// The HttpClients watch polls, downloads and posts webhooks with: a Polly pipeline (Microsoft.Extensions.Http.Resilience)
/// retries 429, 5xx, network errors and timeouts with jittered exponential back-off and honours Retry-After.
/// </summary>
public static class WatchHttp
{
    public static HttpClient CreateClient(WatchOptions options) =>
        CreateClient(options.MaxRetries, options.RetryDelay, options.AttemptTimeout, new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });

    internal static HttpClient CreateClient(int maxRetries, TimeSpan retryDelay, TimeSpan attemptTimeout, HttpMessageHandler inner)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                // Polly wants at least one attempt; "no retries" is expressed by handling nothing.
                MaxRetryAttempts = Math.Max(1, maxRetries),
                ShouldHandle = maxRetries == 0 ? _ => PredicateResult.False() : new HttpRetryStrategyOptions().ShouldHandle,
                Delay = retryDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(attemptTimeout)
            .Build();

        // The pipeline's per-attempt timeout governs; the client's own would cut across retries.
        return new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = inner }) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
