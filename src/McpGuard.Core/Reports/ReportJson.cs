using System.Text.Json;
using System.Text.Json.Serialization;
using McpGuard.Core.Findings;

namespace McpGuard.Core.Reports;

/// <summary>Source-generated JSON for the report shape: camelCase, nulls omitted, severities as lowercase names.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    UseStringEnumConverter = true,
    Converters = [typeof(SeverityJsonConverter)])]
[JsonSerializable(typeof(Report))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>Writes <see cref="Severity"/> as "critical", "high"...; the names are part of the stable report contract.</summary>
public sealed class SeverityJsonConverter : JsonConverter<Severity>
{
    public override Severity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SeverityNames.TryParse(reader.GetString(), out var s) ? s : throw new JsonException($"Unknown severity '{reader.GetString()}'.");

    public override void Write(Utf8JsonWriter writer, Severity value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToName());
}

public static class ReportJson
{
    public static string Serialize(Report report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.Report);

    public static Report Deserialize(string json) =>
        JsonSerializer.Deserialize(json, ReportJsonContext.Default.Report) ?? throw new JsonException("Empty report.");
}
