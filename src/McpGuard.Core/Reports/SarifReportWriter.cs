using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;

namespace McpGuard.Core.Reports;

/// <summary>
/// SARIF 2.1.0 as GitHub code scanning accepts it: one run, the rules that fired in tool.driver.rules with a
/// security-severity, and every result with at least one physical location and a partial fingerprint.
/// </summary>
public static class SarifReportWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public static string Write(Report report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(w, report);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter w, Report report)
    {
        var ruleIds = report.Findings.Select(f => f.RuleId).Distinct(StringComparer.Ordinal).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var ruleIndex = ruleIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var serversByName = report.Servers.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "mcpguard");
        w.WriteString("version", report.Version);
        w.WriteString("semanticVersion", report.Version);
        w.WriteString("informationUri", ToolInfo.InformationUri);
        w.WriteStartArray("rules");
        foreach (var id in ruleIds)
        {
            WriteRule(w, id, report.Findings.First(f => f.RuleId == id));
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("results");
        foreach (var f in report.Findings)
        {
            WriteResult(w, f, ruleIndex[f.RuleId], f.Server is { } s && serversByName.TryGetValue(s, out var srv) ? srv : null);
        }

        w.WriteEndArray();

        // A diff's verdict (block/review/ok, score, reasons) and the analysis coverage travel as run properties, so
        // SARIF consumers see them too.
        if (report.Verdict is not null || report.Coverage is not null)
        {
            w.WriteStartObject("properties");
            if (report.Verdict is { } verdict)
            {
                WriteVerdict(w, verdict);
            }

            if (report.Coverage is { } coverage)
            {
                WriteCoverage(w, coverage);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteCoverage(Utf8JsonWriter w, IReadOnlyList<AnalysisCoverage> coverage)
    {
        w.WriteStartArray("coverage");
        foreach (var c in coverage)
        {
            w.WriteStartObject();
            w.WriteString("package", c.Package);
            w.WriteNumber("files", c.Files);
            w.WriteNumber("analysed", c.Analysed);
            w.WriteStartObject("skipped");
            foreach (var (reason, count) in c.Skipped)
            {
                w.WriteNumber(reason, count);
            }

            w.WriteEndObject();
            w.WriteBoolean("truncated", c.Truncated);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteVerdict(Utf8JsonWriter w, Verdict verdict)
    {
        w.WriteStartObject("verdict");
        w.WriteString("decision", verdict.Decision);
        w.WriteNumber("score", Math.Round(verdict.Score, 2));
        w.WriteStartArray("reasons");
        foreach (var reason in verdict.Reasons)
        {
            w.WriteStringValue(reason);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRule(Utf8JsonWriter w, string id, Finding sample)
    {
        RuleCatalog.TryGet(id, out var rule);
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("name", rule?.Name ?? id);
        w.WriteStartObject("shortDescription");
        w.WriteString("text", rule?.Title ?? sample.Title);
        w.WriteEndObject();
        w.WriteStartObject("fullDescription");
        w.WriteString("text", rule?.Description ?? sample.Title);
        w.WriteEndObject();
        w.WriteString("helpUri", $"{ToolInfo.InformationUri}/blob/main/docs/rules.md#{id.ToLowerInvariant()}");
        w.WriteStartObject("help");
        w.WriteString("text", rule?.Remediation ?? sample.Remediation ?? sample.Title);
        w.WriteEndObject();
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", Level(rule?.DefaultSeverity ?? sample.Severity));
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("security-severity", SecuritySeverity(rule?.DefaultSeverity ?? sample.Severity));
        w.WriteStartArray("tags");
        w.WriteStringValue("security");
        w.WriteStringValue("mcp");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter w, Finding f, int ruleIndex, ServerReport? server)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", f.RuleId);
        w.WriteNumber("ruleIndex", ruleIndex);
        w.WriteString("level", Level(f.Severity));
        w.WriteStartObject("message");
        w.WriteString("text", f.Remediation is { Length: > 0 } r ? $"{f.Message} Fix: {r}" : f.Message);
        w.WriteEndObject();

        // Code scanning rejects results without a location; a config-level finding points at its config file.
        var file = f.Location?.File ?? server?.ConfigPath ?? "mcpguard";
        w.WriteStartArray("locations");
        w.WriteStartObject();
        w.WriteStartObject("physicalLocation");
        w.WriteStartObject("artifactLocation");
        w.WriteString("uri", ToUri(file));
        w.WriteEndObject();
        w.WriteStartObject("region");
        w.WriteNumber("startLine", Math.Max(1, f.Location?.Line ?? 1));
        if (f.Location?.Column is int col && col > 0)
        {
            w.WriteNumber("startColumn", col);
        }

        if (f.Location?.Snippet is { Length: > 0 } snippet)
        {
            w.WriteStartObject("snippet");
            w.WriteString("text", snippet);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartObject("partialFingerprints");
        w.WriteString("mcpguardFinding/v1", Fingerprint(f));
        w.WriteEndObject();

        w.WriteStartObject("properties");
        w.WriteString("severity", f.Severity.ToName());
        w.WriteString("security-severity", SecuritySeverity(f.Severity));
        if (f.Server is not null)
        {
            w.WriteString("server", f.Server);
        }

        if (f.Evidence is not null)
        {
            w.WritePropertyName("evidence");
            f.Evidence.WriteTo(w);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    // GitHub maps security-severity to critical (>= 9.0), high (>= 7.0), medium (>= 4.0) and low.
    internal static string SecuritySeverity(Severity s) => s switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "0.0",
    };

    private static string ToUri(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return new Uri(path).AbsoluteUri;
        }

        return path.Replace('\\', '/');
    }

    // Stable across runs and line moves: rule, server, file and the message (which names the evidence).
    private static string Fingerprint(Finding f)
    {
        var text = string.Join('\n', f.RuleId, f.Server ?? "", f.Location?.File ?? "", f.Message);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
