using System.Text.Json.Serialization;

namespace McpGuard.Core.Intel;

/// <summary>
/// The on-disk shape of intel: the embedded built-in file and the imported-OSV store share it, so the built-in
/// indicators stay data (edited as JSON) rather than code.
/// </summary>
internal sealed record IntelFile
{
    public int FormatVersion { get; set; } = 1;
    public List<AdvisoryRecord> Advisories { get; set; } = [];
    public List<IndicatorRecord> EmailAddresses { get; set; } = [];
    public List<IndicatorRecord> Domains { get; set; } = [];
    public List<BrandImpersonation> Impersonations { get; set; } = [];
}

/// <summary>One affected package of one advisory, with its OSV version ranges and explicit versions.</summary>
internal sealed record AdvisoryRecord
{
    public required string Id { get; set; }
    public string Summary { get; set; } = "";
    public required string Ecosystem { get; set; }
    public required string Name { get; set; }
    public List<RangeRecord> Ranges { get; set; } = [];
    public List<string> Versions { get; set; } = [];
    public string Source { get; set; } = "osv";
    public string? Behaviour { get; set; }
}

/// <summary>An OSV range: type (SEMVER, ECOSYSTEM) and its events in file order.</summary>
internal sealed record RangeRecord
{
    public string Type { get; set; } = "SEMVER";
    public List<RangeEvent> Events { get; set; } = [];
}

internal sealed record RangeEvent
{
    public string? Introduced { get; set; }
    public string? Fixed { get; set; }
    [JsonPropertyName("last_affected")]
    public string? LastAffected { get; set; }
    public string? Limit { get; set; }
}

internal sealed record IndicatorRecord(string Value, string Advisory, string Note);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(IntelFile))]
internal sealed partial class IntelJsonContext : JsonSerializerContext;
