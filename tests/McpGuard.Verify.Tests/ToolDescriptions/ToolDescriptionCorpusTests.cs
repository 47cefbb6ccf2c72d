namespace McpGuard.Verify.Tests.ToolDescriptions;

public sealed class ToolDescriptionCorpusTests
{
    [Fact]
    public void Corpus_DevSplit_ReachesPrecisionAndRecall()
    {
        var path = ToolDescriptionCorpus.FindFile();
        Assert.True(path is not null, "tool-poisoning corpus not found: expected ../shared/corpus/tool-poisoning/tool_descriptions.jsonl beside the repository");
        var result = ToolDescriptionCorpus.Evaluate(path);
        var report = result.ToMarkdown() + Environment.NewLine + string.Join(Environment.NewLine,
            result.Rows.Where(r => r.Flagged != ToolDescriptionCorpus.IsPositive(r.Label))
                .Select(r => $"- miss: {r.Label} {r.Name}: {string.Join(" | ", r.Findings.Select(f => f.RuleId + " " + f.Message))}"));
        TestContext.Current.TestOutputHelper?.WriteLine(report);

        // The bench/README.md table is produced by this test: MCPGUARD_EVAL_OUT=path writes it there.
        if (Environment.GetEnvironmentVariable("MCPGUARD_EVAL_OUT") is { Length: > 0 } outPath)
        {
            File.WriteAllText(outPath, report);
        }

        Assert.Equal(1.0, result.RecallOf("poisoned"));
        Assert.True(result.Precision >= MinPrecision, $"precision {result.Precision:P1}");
        Assert.True(result.Recall >= MinRecall, $"recall {result.Recall:P1}");
        Assert.True(result.RecallOf("benign_text_malicious_server") <= MaxBenignTextFlagRate, "innocent descriptions of malicious servers were flagged");
    }

    // What the rules reach on the dev split (100 % / 64.8 % when written), with a small margin so that a rule
    // tweak which costs one sample is a conscious change, not an accident. Update bench/README.md with the table.
    private const double MinPrecision = 0.97;
    private const double MinRecall = 0.62;

    // A description-only check has no business flagging an innocent description (the code is what is malicious).
    private const double MaxBenignTextFlagRate = 0.0;
}
