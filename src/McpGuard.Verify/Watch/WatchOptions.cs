using McpGuard.Core;
using McpGuard.Verify.Packages;

namespace McpGuard.Verify.Watch;

/// <summary>How `mcpguard watch` polls and judges. Immutable; <see cref="Validate"/> names the bad option. Defaults carry their reason.</summary>
public sealed record WatchOptions
{
    public Uri Registry { get; init; } = NpmRegistryClient.DefaultRegistry;

    /// <summary>
    /// 15 minutes: npm's CDN caches packuments for minutes anyway, a conditional GET per package every 15 minutes is
    /// far below any rate limit, and a bad version is still seen within the hour, long before a 7-day cooldown ends.
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>7 days: most malicious npm versions are reported and removed within days of publication.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromDays(7);

    /// <summary>3 versions in 24 h: normal projects rarely release three times a day; takeovers often do. 0 turns it off.</summary>
    public int BurstCount { get; init; } = 3;

    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>3 retries of a 429/5xx/network error per request (exponential, jittered, honouring Retry-After).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>2 s first retry delay: polite to a registry that is shedding load, short enough for one cycle.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>60 s per attempt: a full packument of a big package is tens of MB; a stalled connection is cut after this.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After failed cycles the interval doubles, up to this factor (15 min → 2 h), so an outage is not hammered.</summary>
    public int MaxBackoffFactor { get; init; } = 8;

    /// <summary>10 new versions per package per cycle: a burst of hundreds cannot stall the loop; the rest come next cycle.</summary>
    public int MaxVersionsPerCycle { get; init; } = 10;

    /// <summary>100 MiB: the largest real packuments are tens of MB; anything larger is refused as garbage.</summary>
    public long MaxPackumentBytes { get; init; } = 100L * 1024 * 1024;

    public void Validate()
    {
        if (!Registry.IsAbsoluteUri || Registry.Scheme is not ("http" or "https"))
        {
            throw new UserInputException("--registry must be an http(s) URL.");
        }

        if (Interval < TimeSpan.FromSeconds(1))
        {
            throw new UserInputException("--interval must be at least 1 second.");
        }

        if (Cooldown < TimeSpan.Zero)
        {
            throw new UserInputException("--cooldown must not be negative.");
        }

        if (BurstCount < 0)
        {
            throw new UserInputException("--burst must be 0 (off) or a positive number of versions.");
        }

        if (MaxRetries < 0 || MaxBackoffFactor < 1 || MaxVersionsPerCycle < 1 || MaxPackumentBytes < 1)
        {
            throw new UserInputException("watch limits must be positive.");
        }
    }

    /// <summary>The registry as shown in events and messages: never its user:password part.</summary>
    public string RegistryDisplay => DisplayUrl(Registry);

    internal static string DisplayUrl(Uri uri) =>
        uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative)";
}
