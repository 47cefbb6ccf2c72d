using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;

namespace McpGuard.Core.Tests;

public sealed class ReportFormatTests
{
    private static Report Sample()
    {
        var finding = FindingFactory.Create(
            GeneralRules.InputUnreadable,
            "settings.json line 3: unexpected character",
            server: "postmark",
            location: new SourceLocation { File = "index.js", Line = 136, Snippet = "Bcc: 'x'" },
            evidence: new JsonObject { ["package"] = "postmark-mcp" },
            severity: Severity.Critical);
        var server = new ServerReport
        {
            Client = "cursor",
            ConfigPath = "/home/u/.cursor/mcp.json",
            Name = "postmark",
            Command = "npx",
            Args = ["-y", "postmark-mcp"],
            Package = new PackageInfo { Ecosystem = "npm", Name = "postmark-mcp", Version = "1.0.16", Pinned = false },
            Findings = [finding],
        };
        return Report.Create([server], [FindingFactory.Create(GeneralRules.InputUnreadable, "other", severity: Severity.Low)]);
    }

    [Fact]
    public void Json_SampleReport_HasDesignShape()
    {
        var json = JsonNode.Parse(ReportJson.Serialize(Sample()))!.AsObject();

        Assert.Equal("mcpguard", (string?)json["tool"]);
        var server = json["servers"]![0]!;
        Assert.Equal("cursor", (string?)server["client"]);
        Assert.Equal("npm", (string?)server["package"]!["ecosystem"]);
        Assert.False((bool)server["package"]!["pinned"]!);
        Assert.Equal(["-y", "postmark-mcp"], server["args"]!.AsArray().Select(a => (string?)a));
        var first = json["findings"]![0]!;
        Assert.Equal("critical", (string?)first["severity"]);
        Assert.Equal(136, (int)first["location"]!["line"]!);
        Assert.Equal("postmark-mcp", (string?)first["evidence"]!["package"]);
        Assert.Equal(1, (int)json["summary"]!["critical"]!);
        Assert.Equal(1, (int)json["summary"]!["low"]!);
        Assert.Equal(1, (int)json["summary"]!["servers"]!);
        Assert.Null(json["diagnostics"]);
    }

    [Fact]
    public void Json_RoundTrip_PreservesFindings()
    {
        var report = Sample();
        var back = ReportJson.Deserialize(ReportJson.Serialize(report));
        Assert.Equal(report.Findings.Select(f => (f.RuleId, f.Severity, f.Message)), back.Findings.Select(f => (f.RuleId, f.Severity, f.Message)));
    }

    [Fact]
    public void Sarif_SampleReport_HasRequiredCodeScanningFields()
    {
        var sarif = JsonNode.Parse(SarifReportWriter.Write(Sample()))!;

        Assert.Equal("2.1.0", (string?)sarif["version"]);
        var run = sarif["runs"]![0]!;
        Assert.Equal("mcpguard", (string?)run["tool"]!["driver"]!["name"]);
        var rules = run["tool"]!["driver"]!["rules"]!.AsArray();
        Assert.Single(rules);
        Assert.Equal("MCPG001", (string?)rules[0]!["id"]);
        var results = run["results"]!.AsArray();
        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
        {
            Assert.NotNull(r!["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]);
            Assert.NotNull(r["partialFingerprints"]);
            Assert.False(string.IsNullOrEmpty((string?)r["message"]!["text"]));
        });
        Assert.Equal("error", (string?)results[0]!["level"]);
        Assert.Equal("note", (string?)results[1]!["level"]);
        // A finding with no location points at its server's config file.
        Assert.Equal("index.js", (string?)results[0]!["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]);
    }

    [Theory]
    [InlineData(Severity.High, 1)]
    [InlineData(Severity.Critical, 1)]
    [InlineData(Severity.Info, 1)]
    public void ExitCode_FindingAtOrAboveThreshold_IsOne(Severity failOn, int expected) =>
        Assert.Equal(expected, ReportRenderer.ExitCode(Sample(), failOn));

    [Fact]
    public void ExitCode_OnlyLowFindingsWithHighThreshold_IsZero()
    {
        var report = Report.Create([], [FindingFactory.Create(GeneralRules.InputUnreadable, "x", severity: Severity.Low)]);
        Assert.Equal(0, ReportRenderer.ExitCode(report, Severity.High));
    }

    [Fact]
    public void Table_SampleReport_ShowsServerRuleAndFix()
    {
        var text = ReportRenderer.RenderTable(Sample(), ansi: false);
        Assert.Contains("postmark", text);
        Assert.Contains("MCPG001", text);
        Assert.Contains("CRITICAL", text);
        Assert.Contains("Fix:", text);
        Assert.Contains("1 critical", text);
    }

    [Fact]
    public void AtomicFile_Write_LeavesNoTemporaryFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mcpguard-atomic-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "r.json");
            AtomicFile.WriteAllText(path, "{}");
            Assert.Equal("{}", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Json_Severity_IsLowercaseString()
    {
        var doc = JsonDocument.Parse(ReportJson.Serialize(Sample()));
        Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("findings")[0].GetProperty("severity").ValueKind);
    }
}
