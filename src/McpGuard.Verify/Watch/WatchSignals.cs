using System.Globalization;
using System.Text.Json.Nodes;
using McpGuard.Core.Rules;

namespace McpGuard.Verify.Watch;

/// <summary>
/// What the packument says about a new version besides its code: who published it (MCPG800), who maintains it
/// (MCPG801), whether it lost provenance (MCPG802), whether it came in a burst (MCPG803) and whether it is younger
/// than the cooldown (MCPG804). Pure functions over the packument; missing or oddly typed fields raise nothing.
/// </summary>
internal static class WatchSignals
{
    public static IReadOnlyList<WatchReason> Evaluate(JsonObject packument, string baseline, string version, DateTimeOffset now, WatchOptions options)
    {
        var reasons = new List<WatchReason>();
        var versions = packument["versions"] as JsonObject;
        var oldManifest = versions?[baseline] as JsonObject;
        var newManifest = versions?[version] as JsonObject;

        var oldPublisher = Publisher(oldManifest);
        var newPublisher = Publisher(newManifest);
        if (oldPublisher is not null && newPublisher is not null && !string.Equals(oldPublisher, newPublisher, StringComparison.OrdinalIgnoreCase))
        {
            reasons.Add(Reason(WatchRules.PublisherChanged, $"{version} was published by npm user '{newPublisher}'; the approved {baseline} was published by '{oldPublisher}'."));
        }

        var added = Maintainers(newManifest).Except(Maintainers(oldManifest), StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        if (oldManifest?["maintainers"] is JsonArray && added.Count > 0)
        {
            reasons.Add(Reason(WatchRules.MaintainersChanged, $"{version} lists new maintainer(s) {string.Join(", ", added.Select(a => $"'{a}'"))} that {baseline} did not have."));
        }

        if ((oldManifest?["dist"] as JsonObject)?["attestations"] is not null && (newManifest?["dist"] as JsonObject)?["attestations"] is null)
        {
            reasons.Add(Reason(WatchRules.ProvenanceLost, $"{baseline} was published with a provenance attestation (built by CI); {version} was published without one."));
        }

        var times = PublishTimes(packument);
        if (times.TryGetValue(version, out var published))
        {
            if (options.BurstCount > 0)
            {
                var inWindow = times.Where(t => t.Value <= published && published - t.Value < options.BurstWindow).Select(t => t.Key).ToList();
                if (inWindow.Count >= options.BurstCount)
                {
                    reasons.Add(Reason(WatchRules.VersionBurst, $"{inWindow.Count} versions were published within {Describe(options.BurstWindow)} up to {version} ({string.Join(", ", inWindow.OrderBy(v => times[v]))})."));
                }
            }

            var age = now - published;
            if (age < options.Cooldown)
            {
                reasons.Add(Reason(WatchRules.Cooldown, $"{version} was published {Describe(age < TimeSpan.Zero ? TimeSpan.Zero : age)} ago; the cooldown of {Describe(options.Cooldown)} ends {(published + options.Cooldown).ToUniversalTime():yyyy-MM-dd HH:mm} UTC."));
            }
        }

        return reasons;
    }

    /// <summary>
    /// Raises a diff verdict with the signals: any signal asks at least for a review, a critical one blocks, and an
    /// account change together with lost provenance (the shape of a stolen publish token) blocks.
    /// </summary>
    public static string Raise(string verdict, IReadOnlyList<WatchReason> signals)
    {
        if (signals.Any(s => s.Severity == Core.Findings.Severity.Critical)
            || (signals.Any(s => s.RuleId is "MCPG800" or "MCPG801") && signals.Any(s => s.RuleId == "MCPG802")))
        {
            return "block";
        }

        return signals.Count > 0 ? Max(verdict, "review") : verdict;
    }

    public static string Max(string a, string b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(string verdict) => verdict switch { "block" => 2, "review" => 1, _ => 0 };

    /// <summary>Version → publication time, from the packument's time map (versions it no longer lists excluded).</summary>
    public static Dictionary<string, DateTimeOffset> PublishTimes(JsonObject packument)
    {
        var versions = packument["versions"] as JsonObject;
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (key, value) in packument["time"] as JsonObject ?? [])
        {
            if (key is not ("created" or "modified") && versions?.ContainsKey(key) == true && Text(value) is { } s
                && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                result[key] = t;
            }
        }

        return result;
    }

    internal static string Describe(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0} days"
        : span.TotalHours >= 2 ? $"{span.TotalHours:0} hours"
        : span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0} minutes"
        : $"{span.TotalSeconds:0} seconds";

    // _npmUser is { "name": "...", "email": "..." } on npmjs.org; some mirrors write "name <email>".
    private static string? Publisher(JsonObject? manifest) =>
        manifest?["_npmUser"] switch
        {
            JsonObject o => Text(o["name"]),
            var v => Text(v)?.Split('<')[0].Trim(),
        };

    private static IEnumerable<string> Maintainers(JsonObject? manifest) =>
        (manifest?["maintainers"] as JsonArray ?? [])
            .Select(m => Text(m is JsonObject o ? o["name"] : m))
            .Where(n => n is not null)
            .Select(n => n!.Split('<')[0].Trim())
            .Where(n => n.Length > 0);

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

    private static WatchReason Reason(RuleDescriptor rule, string message) => new(rule.Id, rule.DefaultSeverity, message);
}
