using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace McpGuard.Verify.Watch;

/// <summary>
/// The HttpClient watch polls and downloads with: a Polly pipeline (Microsoft.Extensions.Http.Resilience) retries
/// 429, 5xx, network errors and timeouts with jittered exponential back-off and honours Retry-After.
/// </summary>
public static class WatchHttp
{
    public static HttpClient CreateClient(WatchOptions options)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                ShouldHandle = options.MaxRetries == 0 ? _ => PredicateResult.False() : new HttpRetryStrategyOptions().ShouldHandle,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
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
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
