using System.Text.Json.Nodes;
using McpGuard.Core.Findings;

namespace McpGuard.Verify.Watch;

/// <summary>One reason behind a verdict: a rule id, its severity and a sentence a non-expert understands.</summary>
public sealed record WatchReason(string RuleId, Severity Severity, string Message);

/// <summary>
/// One thing `mcpguard watch` reports: a reviewed version, a target with no baseline, or a problem with the registry.
/// The same object becomes a JSON line on stdout, an audit event and a webhook body (docs/watch.md has the shape).
/// </summary>
public sealed record WatchEvent
{
    public const string VersionType = "watch.version";
    public const string ErrorType = "watch.error";
    public const string NoBaselineType = "watch.no-baseline";

    /// <summary>watch.version, watch.error or watch.no-baseline.</summary>
    public required string Type { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The registry URL without credentials.</summary>
    public required string Registry { get; init; }

    public required string Package { get; init; }

    /// <summary>The new version this event is about (null for package-level events).</summary>
    public string? Version { get; init; }

    public string? Baseline { get; init; }
    public BaselineSource BaselineSource { get; init; }
    public IReadOnlyList<string> Servers { get; init; } = [];

    /// <summary>block, review or ok; null when nothing could be judged (registry errors).</summary>
    public string? Verdict { get; init; }

    /// <summary>The diff score (0–10) when a diff ran.</summary>
    public double? Score { get; init; }

    public DateTimeOffset? PublishedAt { get; init; }
    public IReadOnlyList<WatchReason> Reasons { get; init; } = [];

    /// <summary>One line for people: what happened and what to do.</summary>
    public required string Summary { get; init; }

    /// <summary>The highest-severity reason's rule id (the audit store's rule column).</summary>
    public string? RuleId => Reasons.OrderByDescending(r => r.Severity).FirstOrDefault()?.RuleId;

    /// <summary>The documented JSON shape (docs/watch.md); property order is stable.</summary>
    public JsonObject ToJson() => new()
    {
        ["type"] = Type,
        ["time"] = Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["registry"] = Registry,
        ["package"] = Package,
        ["version"] = Version,
        ["baseline"] = Baseline,
        ["baselineSource"] = SourceName(BaselineSource),
        ["servers"] = new JsonArray([.. Servers.Select(s => (JsonNode?)JsonValue.Create(s))]),
        ["verdict"] = Verdict,
        ["score"] = Score,
        ["publishedAt"] = PublishedAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["reasons"] = new JsonArray([.. Reasons.Select(r => (JsonNode?)new JsonObject
        {
            ["ruleId"] = r.RuleId,
            ["severity"] = SeverityNames.ToName(r.Severity),
            ["message"] = r.Message,
        })]),
        ["summary"] = Summary,
    };

    public static string SourceName(BaselineSource source) => source switch
    {
        BaselineSource.Lock => "lock",
        BaselineSource.ConfigPin => "config-pin",
        BaselineSource.Installed => "installed",
        _ => "none",
    };
}

/// <summary>Where watch events go (stdout, terminal, audit store, webhook). A seam: the CLI composes the sinks.</summary>
public interface IWatchEventSink
{
    ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken);
}
