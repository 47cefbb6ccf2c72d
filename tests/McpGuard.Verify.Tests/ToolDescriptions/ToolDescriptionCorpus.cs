using System.Globalization;
using System.Text;
using McpGuard.Core.Findings;
using McpGuard.TestSupport;
using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Verify.Tests.ToolDescriptions;

/// <summary>
/// Precision/recall of the MCPG3xx rules over the labelled dev corpus (../shared/corpus/tool-poisoning).
/// "Flagged" means at least one finding at medium or above. Positives: poisoned + malicious_capability.
/// benign_text_malicious_server is reported apart: a description-only check should not flag those.
/// </summary>
internal static class ToolDescriptionCorpus
{
    public const Severity FlagAt = Severity.Medium;

    public sealed record Row(string Label, string Name, IReadOnlyList<Finding> Findings)
    {
        public bool Flagged => Findings.Any(f => f.Severity >= FlagAt);
    }

    public sealed record Result(IReadOnlyList<Row> Rows)
    {
        public int TruePositives => Rows.Count(r => IsPositive(r.Label) && r.Flagged);
        public int FalseNegatives => Rows.Count(r => IsPositive(r.Label) && !r.Flagged);
        public int FalsePositives => Rows.Count(r => r.Label == "benign" && r.Flagged);
        public int TrueNegatives => Rows.Count(r => r.Label == "benign" && !r.Flagged);
        public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);
        public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

        public double RecallOf(string label)
        {
            var rows = Rows.Where(r => r.Label == label).ToList();
            return rows.Count == 0 ? 1 : (double)rows.Count(r => r.Flagged) / rows.Count;
        }

        public string ToMarkdown()
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.AppendLine("| label | tools | flagged (≥ medium) | rate |");
            sb.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var label in new[] { "poisoned", "malicious_capability", "benign", "benign_text_malicious_server" })
            {
                var rows = Rows.Where(r => r.Label == label).ToList();
                var flagged = rows.Count(r => r.Flagged);
                sb.AppendLine(c, $"| {label} | {rows.Count} | {flagged} | {(rows.Count == 0 ? 0 : 100.0 * flagged / rows.Count):F1}% |");
            }

            sb.AppendLine();
            sb.AppendLine(c, $"Positives = poisoned + malicious_capability; negatives = benign. TP {TruePositives}, FP {FalsePositives}, FN {FalseNegatives}, TN {TrueNegatives}: **precision {Precision:P1}, recall {Recall:P1}**.");
            sb.AppendLine();
            sb.AppendLine("| rule | poisoned | malicious_capability | benign | benign_text_malicious_server |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var rule in Rows.SelectMany(r => r.Findings).Where(f => f.Severity >= FlagAt).Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal))
            {
                int Count(string label) => Rows.Count(r => r.Label == label && r.Findings.Any(f => f.RuleId == rule && f.Severity >= FlagAt));
                sb.AppendLine(c, $"| {rule} | {Count("poisoned")} | {Count("malicious_capability")} | {Count("benign")} | {Count("benign_text_malicious_server")} |");
            }

            return sb.ToString();
        }
    }

    public static bool IsPositive(string label) => label is "poisoned" or "malicious_capability";

    /// <summary>
    /// The dev corpus: ../shared next to the repository, or /work/shared beside a worktrees folder.
    /// MCPGUARD_TOOL_CORPUS=path evaluates another file of the same shape (the held-out split, for the lead).
    /// </summary>
    public static string? FindFile()
    {
        if (Environment.GetEnvironmentVariable("MCPGUARD_TOOL_CORPUS") is { Length: > 0 } overridePath)
        {
            return File.Exists(overridePath) ? Path.GetFullPath(overridePath) : null;
        }

        string[] candidates =
        [
            Path.Combine(RepoPaths.Corpus, "tool-poisoning", "tool_descriptions.jsonl"),
            Path.Combine(RepoPaths.Root, "..", "..", "shared", "corpus", "tool-poisoning", "tool_descriptions.jsonl"),
        ];
        return candidates.Select(Path.GetFullPath).FirstOrDefault(File.Exists);
    }

    public static Result Evaluate(string jsonlPath)
    {
        var scanner = new ToolDescriptionScanner();
        var labels = File.ReadLines(jsonlPath)
            .Where(l => l.Length > 0)
            .Select(l => (string?)System.Text.Json.Nodes.JsonNode.Parse(l)!["label"] ?? "")
            .ToList();
        var tools = ToolDefinitionsFile.Load(jsonlPath);
        Assert.Equal(labels.Count, tools.Count);
        var rows = tools.Select((t, i) => new Row(labels[i], t.Tool.Name, scanner.Scan(t.Tool))).ToList();
        return new Result(rows);
    }
}
