using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Verify.Tests.ToolDescriptions;

/// <summary>
/// The scanner searches the union of the phrases' trigger words once and skips every triggered phrase when none
/// occurs: the union must find each trigger of each phrase it gates, in any case, or a phrase would be skipped.
/// </summary>
public sealed class PhraseTriggerSetTests
{
    private static readonly Phrase[] s_gated =
    [
        TextPatterns.HiddenTag, TextPatterns.PromptOverride, TextPatterns.ConcealFromUser, TextPatterns.StrongSensitiveFile,
        TextPatterns.WeakSensitiveFile, TextPatterns.Shadowing, TextPatterns.OtherToolDirective, TextPatterns.InjectedRecipient,
        TextPatterns.Coercive, TextPatterns.EmbeddedCommand,
    ];

    public static TheoryData<string> Triggers()
    {
        var data = new TheoryData<string>();
        foreach (var trigger in s_gated.SelectMany(p => p.Triggers!).Distinct())
        {
            data.Add(trigger);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Triggers))]
    public void MayMatch_EachTriggerInAnyCaseAndPlace_Found(string trigger)
    {
        var set = TextPatterns.AnyPhraseTrigger;

        Assert.True(set.MayMatch(trigger), trigger);
        Assert.True(set.MayMatch(trigger.ToUpperInvariant()), trigger.ToUpperInvariant());
        Assert.True(set.MayMatch("0123456789 " + trigger + " 0123456789"), trigger);
        Assert.True(set.MayMatch(new string('x', 200) + trigger), trigger);
    }

    [Theory]
    [InlineData("")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("Sunny, 21 °C, light wind from the west.")]
    public void MayMatch_TextWithoutTriggers_False(string text)
    {
        Assert.False(TextPatterns.AnyPhraseTrigger.MayMatch(text));
    }

    [Fact]
    public void MayMatch_CorpusLines_TrueWheneverAGatedPhraseMatches()
    {
        var path = ToolDescriptionCorpus.FindFile();
        Assert.True(path is not null, "tool-poisoning corpus not found: expected ../shared/corpus/tool-poisoning/tool_descriptions.jsonl beside the repository");
        var matched = 0;
        foreach (var line in File.ReadLines(path))
        {
            foreach (var phrase in s_gated)
            {
                // The regex alone, without the phrase's own trigger check: the union must not depend on it.
                if (phrase.Regex.Backtracking.IsMatch(line))
                {
                    matched++;
                    Assert.True(TextPatterns.AnyPhraseTrigger.MayMatch(line), $"{phrase.Regex} matches but no trigger was found in: {line}");
                }
            }
        }

        Assert.True(matched >= 20, $"only {matched} phrase/line pairs matched: the corpus did not exercise the gate");
    }
}
