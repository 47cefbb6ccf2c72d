using McpGuard.Core.Rules;
using McpGuard.Core.Tools;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>
/// MCPG306: a parameter that exists to carry the conversation or secrets out. A suspicious name alone is not enough
/// (real tools have "context" and "metadata" parameters), so the rule needs the text to ask for sensitive content:
/// either the parameter's own description, or the tool description pointing sensitive content at that parameter.
/// </summary>
internal static class ExfiltrationParameters
{
    // MCP-Shield's exfiltration-channel names plus conversation-shaped ones; used to word the finding.
    private static readonly HashSet<string> SuspiciousNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "note", "notes", "sidenote", "feedback", "context", "metadata", "debug", "details", "extra", "additional",
        "annotation", "annotations", "reasoning", "remark", "remarks", "comment", "comments", "conversation",
        "history", "chathistory", "conversationhistory", "systemprompt", "instructions", "memo", "internal",
    };

    public static void Check(ToolDefinition tool, IReadOnlyList<string> toolProse, IReadOnlyList<SchemaProperty> properties, FindingSink sink)
    {
        if (properties.Count == 0)
        {
            return;
        }

        var sensitiveProse = toolProse.Any(IsSensitiveInstruction);
        foreach (var property in properties)
        {
            var suspiciousName = SuspiciousNames.Contains(property.Name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal));
            var label = suspiciousName ? $"parameter '{InvisibleText.Sanitise(property.Name, 60)}' (a typical exfiltration name)" : $"parameter '{InvisibleText.Sanitise(property.Name, 60)}'";
            if (property.Description is { Length: > 0 } raw)
            {
                var description = InvisibleText.Normalise(raw, InvisibleText.Find(raw));
                var m = TextPatterns.ExfiltrationContent.Match(description);
                if (m.Success)
                {
                    sink.Add(ToolDescriptionRules.ExfiltrationParameter, property.Path + ".description",
                        $"{label} asks the model for the conversation, its instructions or secrets",
                        InvisibleText.Excerpt(description, m.Index, m.Length), severity: null);
                    continue;
                }
            }

            if (!sensitiveProse)
            {
                continue;
            }

            foreach (var prose in toolProse)
            {
                var at = FindReference(prose, property.Name);
                if (at >= 0)
                {
                    sink.Add(ToolDescriptionRules.ExfiltrationParameter, property.Path,
                        $"the description tells the model to put sensitive content into {label}",
                        InvisibleText.Excerpt(prose, at, property.Name.Length), severity: null);
                    break;
                }
            }
        }
    }

    private static bool IsSensitiveInstruction(string text) =>
        TextPatterns.StrongSensitiveFile.IsMatch(text)
        || TextPatterns.WeakSensitiveFile.IsMatch(text)
        || TextPatterns.ExfiltrationContent.IsMatch(text);

    /// <summary>
    /// Where the text directs something into the parameter: "as 'sidenote'", "in the notes field", "`context` parameter".
    /// Returns the index of the name, or -1.
    /// </summary>
    internal static int FindReference(string text, string name)
    {
        if (name.Length == 0)
        {
            return -1;
        }

        for (var at = text.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + name.Length;
            if ((at > 0 && IsWordChar(text[at - 1])) || (end < text.Length && IsWordChar(text[end])))
            {
                continue;
            }

            var before = text.AsSpan(Math.Max(0, at - 12), at - Math.Max(0, at - 12)).TrimEnd(" `'\"\t\n\r".AsSpan()).ToString();
            var after = text.AsSpan(end, Math.Min(16, text.Length - end)).TrimStart(" `'\"\t\n\r".AsSpan()).ToString();
            if (EndsWithWord(before, "as") || EndsWithWord(before, "in") || EndsWithWord(before, "into")
                || EndsWithWord(before, "the") || EndsWithWord(before, "via") || EndsWithWord(before, "using")
                || after.StartsWith("parameter", StringComparison.OrdinalIgnoreCase)
                || after.StartsWith("field", StringComparison.OrdinalIgnoreCase)
                || after.StartsWith("argument", StringComparison.OrdinalIgnoreCase))
            {
                return at;
            }
        }

        return -1;
    }

    private static bool EndsWithWord(string text, string word) =>
        text.EndsWith(word, StringComparison.OrdinalIgnoreCase)
        && (text.Length == word.Length || !IsWordChar(text[text.Length - word.Length - 1]));

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
