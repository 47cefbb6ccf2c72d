using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpGuard.Core.Findings;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;
using McpGuard.Core.Tools;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>
/// The MCPG3xx tool-description rules: deterministic, offline phrase and character checks over a tool's name, title,
/// description and input schema, and over text a tool returns. Thread-safe and stateless; one instance can serve
/// every server in the proxy.
/// </summary>
public sealed class ToolDescriptionScanner : IToolDescriptionScanner
{
    private readonly ToolScanLimits _limits;

    public ToolDescriptionScanner()
        : this(ToolScanLimits.Default)
    {
    }

    public ToolDescriptionScanner(ToolScanLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
    }

    /// <summary>Texts up to this length are checked against the union of all triggers first (see ScanSegment).</summary>
    private const int UnionPrefilterMaxChars = 512;

    /// <inheritdoc />
    public IReadOnlyList<Finding> Scan(ToolDefinition tool, string? server = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var (segments, properties, truncated) = ToolTextSegments.Collect(tool, _limits);
        var sink = new FindingSink(tool.Name, "tools/" + tool.Name, server, _limits.MaxFindingsPerTool);
        var allProse = new List<string>();
        foreach (var segment in segments)
        {
            var normalised = ScanSegment(segment.Field, segment.Text, segment.Kind, output: false, sink, tool.Name);
            if (segment.Kind == SegmentKind.Prose && segment.Field is "description" or "title")
            {
                allProse.Add(normalised ?? segment.Text);
            }
        }

        ExfiltrationParameters.Check(tool, allProse, properties, sink);
        if (truncated)
        {
            sink.Add(ToolDescriptionRules.Unscannable, "inputSchema",
                $"the input schema is deeper than {_limits.MaxSchemaDepth} levels or has more than {_limits.MaxSegments} strings; the rest was not checked",
                excerpt: null, severity: null);
        }

        return sink.Findings;
    }

    /// <inheritdoc />
    public IReadOnlyList<Finding> ScanText(string text, string context, string? server = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ScanText(text.AsSpan(), context, server);
    }

    /// <inheritdoc />
    public IReadOnlyList<Finding> ScanText(ReadOnlySpan<char> text, string context, string? server = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sink = new FindingSink(tool: null, context, server, _limits.MaxFindingsPerTool);
        ScanSegment("text", text, SegmentKind.Prose, output: true, sink, ownName: null);
        return sink.Findings;
    }

    /// <summary>
    /// Findings for a tools/call result (<c>{"content":[{"type":"text","text":...}], "structuredContent":...}</c>): every
    /// string in it is checked with <see cref="ScanText"/>, its context naming the tool and the JSON path.
    /// </summary>
    public IReadOnlyList<Finding> ScanToolResult(JsonNode? callToolResult, string toolName, string? server = null)
    {
        ArgumentNullException.ThrowIfNull(toolName);
        var findings = new List<Finding>();
        if (callToolResult is null)
        {
            return findings;
        }

        // Explicit stack: results are untrusted and may nest deeply.
        var stack = new Stack<(JsonNode Node, string Path)>();
        stack.Push((callToolResult, "result"));
        var strings = 0;
        while (stack.Count > 0 && findings.Count < _limits.MaxFindingsPerTool)
        {
            var (node, path) = stack.Pop();
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj.Reverse())
                    {
                        if (value is not null)
                        {
                            stack.Push((value, path + "." + key));
                        }
                    }

                    break;
                case JsonArray array:
                    for (var i = array.Count - 1; i >= 0; i--)
                    {
                        if (array[i] is { } item)
                        {
                            stack.Push((item, $"{path}[{i}]"));
                        }
                    }

                    break;
                case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                    if (++strings > _limits.MaxSegments)
                    {
                        findings.Add(FindingFactory.Create(ToolDescriptionRules.Unscannable,
                            $"tools/call {InvisibleText.Sanitise(toolName, 80)} result: more than {_limits.MaxSegments} strings; the rest was not checked.",
                            server, new SourceLocation { File = $"tools/call {InvisibleText.Sanitise(toolName, 80)} result" }));
                        return findings;
                    }

                    findings.AddRange(ScanText(value.GetValue<string>(), $"tools/call {InvisibleText.Sanitise(toolName, 80)} {path}", server));
                    break;
                default:
                    break;
            }
        }

        return findings;
    }

    /// <summary>
    /// Runs every rule that applies to one segment; returns the normalised text for cross-field rules when it differs
    /// from <paramref name="raw"/> (null: use the raw text).
    /// </summary>
    private static string? ScanSegment(string field, ReadOnlySpan<char> raw, SegmentKind kind, bool output, FindingSink sink, string? ownName)
    {
        try
        {
            var invisible = InvisibleText.Find(raw);
            ReportInvisible(field, raw, invisible, sink);
            ReportAnsi(field, raw, output, sink);
            if (kind == SegmentKind.Name)
            {
                return null;
            }

            // Span-based from here: a tool result of megabytes is scanned in the caller's (pooled) buffer, not a copy.
            var normalised = invisible.Any ? InvisibleText.Normalise(raw, invisible).ToString() : null;
            var text = normalised is null ? raw : normalised.AsSpan();
            // Short text: one search for every trigger first; most short text (a typical tool result) has none, and
            // then no phrase with triggers can match, so their regexes and their own trigger searches are skipped
            // together (on short text each search costs mostly its fixed set-up). Long text goes straight to each
            // phrase's own search: over the union of ~80 words the vectorised search meets so many near-candidates
            // in ordinary text (1 MiB of hex digits: a third of the proxy's time) that it cost more than the
            // per-phrase searches it was meant to save.
            var triggered = text.Length > UnionPrefilterMaxChars || TextPatterns.AnyPhraseTrigger.MayMatch(text);
            if (triggered)
            {
                Phrase(TextPatterns.HiddenTag, ToolDescriptionRules.HiddenInstructionTag, "an instruction block addressed to the model", field, text, sink);
                Phrase(TextPatterns.PromptOverride, ToolDescriptionRules.PromptOverride, "an attempt to override the model's instructions", field, text, sink);
                Phrase(TextPatterns.ConcealFromUser, ToolDescriptionRules.ConcealFromUser, "an instruction to hide something from the user", field, text, sink);
                if (!Phrase(TextPatterns.StrongSensitiveFile, ToolDescriptionRules.SensitiveFileRead, "an instruction to read keys or credential files", field, text, sink))
                {
                    Phrase(TextPatterns.WeakSensitiveFile, ToolDescriptionRules.SensitiveFileRead, "an instruction to pass secrets or credential files along", field, text, sink);
                }

                if (!Phrase(TextPatterns.Shadowing, ToolDescriptionRules.ToolShadowing, "orders about other tools", field, text, sink))
                {
                    OtherToolDirective(field, text, ownName, sink);
                }

                Phrase(TextPatterns.InjectedRecipient, ToolDescriptionRules.InjectedRecipient, "a fixed extra recipient or destination", field, text, sink);
                Phrase(TextPatterns.Coercive, ToolDescriptionRules.CoerciveInstruction, "pressure on the model", field, text, sink);
            }

            // Outputs are often documentation or web pages that legitimately discuss attacks and install commands;
            // these two rules judge what a tool claims to do, so they run on definitions only.
            if (!output)
            {
                if (!Phrase(TextPatterns.MaliciousCapability, ToolDescriptionRules.MaliciousCapability, "an openly offensive capability", field, text, sink))
                {
                    Phrase(TextPatterns.MaliciousCapabilityMore, ToolDescriptionRules.MaliciousCapability, "an openly offensive capability", field, text, sink);
                }

                if (triggered)
                {
                    Phrase(TextPatterns.EmbeddedCommand, ToolDescriptionRules.EmbeddedCommand, "a dangerous command or script", field, text, sink);
                }
            }

            return normalised;
        }
        catch (RegexMatchTimeoutException)
        {
            // Fail visible rather than open: the text could not be judged, so say so with a medium finding.
            sink.Add(ToolDescriptionRules.Unscannable, field, "the text took too long to check (over the regex time limit)", excerpt: null, severity: null);
            return null;
        }
    }

    private static bool Phrase(Phrase pattern, RuleDescriptor rule, string what, string field, ReadOnlySpan<char> text, FindingSink sink)
    {
        if (!pattern.TryFind(text, out var index, out var length))
        {
            return false;
        }

        sink.Add(rule, field, what, InvisibleText.Excerpt(text, index, length), severity: null);
        return true;
    }

    private static void OtherToolDirective(string field, ReadOnlySpan<char> text, string? ownName, FindingSink sink)
    {
        foreach (var m in TextPatterns.OtherToolDirective.EnumerateMatches(text))
        {
            var named = NamedTool(text, m.Index, m.Length);
            if (ownName is not null && string.Equals(named, ownName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            sink.Add(ToolDescriptionRules.ToolShadowing, field, $"orders for another tool ('{InvisibleText.Sanitise(named, 60)}')",
                InvisibleText.Excerpt(text, m.Index, m.Length), severity: null);
            return;
        }
    }

    /// <summary>
    /// The "tool" group of an <see cref="TextPatterns.OtherToolDirective"/> match found by position: the match is run
    /// again on a copy of just its text plus one character either side (what its word boundaries look at), so a long
    /// text is never copied whole.
    /// </summary>
    private static string NamedTool(ReadOnlySpan<char> text, int index, int length)
    {
        var from = Math.Max(0, index - 1);
        var to = Math.Min(text.Length, index + length + 1);
        var copy = text[from..to].ToString();
        var m = TextPatterns.OtherToolDirective.Regex.Backtracking.Match(copy, index - from);

        // Fail visible: if the copy does not reproduce the match, the caller treats it as naming another tool.
        return m.Success && m.Index == index - from ? m.Groups["tool"].Value : copy;
    }

    private static void ReportInvisible(string field, ReadOnlySpan<char> raw, InvisibleText.Scan scan, FindingSink sink)
    {
        if (!scan.Any)
        {
            return;
        }

        if (scan.TagIndex >= 0)
        {
            var hidden = scan.SmuggledText is { Length: > 0 } s ? $"; hidden text reads \"{InvisibleText.Sanitise(s, 100)}\"" : "";
            sink.Add(ToolDescriptionRules.UnicodeTagCharacters, field, "invisible Unicode tag characters" + hidden,
                InvisibleText.Excerpt(raw, scan.TagIndex, 2), severity: null);
        }

        if (scan.BidiIndex >= 0)
        {
            sink.Add(ToolDescriptionRules.BidiControl, field, "bidirectional control characters",
                InvisibleText.Excerpt(raw, scan.BidiIndex, 1), severity: null);
        }

        if (scan.ZeroWidthIndex >= 0)
        {
            sink.Add(ToolDescriptionRules.ZeroWidthCharacters, field, "invisible zero-width characters",
                InvisibleText.Excerpt(raw, scan.ZeroWidthIndex, 1), severity: null);
        }
    }

    private static void ReportAnsi(string field, ReadOnlySpan<char> raw, bool output, FindingSink sink)
    {
        if (raw.IndexOfAny('\u001B', '\u009B') < 0)
        {
            return;
        }

        (int Index, int Length)? first = null;
        var onlyColour = true;
        foreach (var m in TextPatterns.AnsiEscape().EnumerateMatches(raw))
        {
            first ??= (m.Index, m.Length);
            if (!IsPlainColour(raw.Slice(m.Index, m.Length)))
            {
                onlyColour = false;
                first = (m.Index, m.Length);
                break;
            }
        }

        if (first is not { } found)
        {
            return;
        }

        // Colour codes in a command's output are normal (test runners, compilers); in a tool definition, or when
        // they move the cursor, erase, conceal or set titles/links, they can hide text from the person reading.
        Severity? severity = output && onlyColour ? Severity.Low : null;
        sink.Add(ToolDescriptionRules.AnsiEscape, field, onlyColour ? "terminal colour escape sequences" : "terminal control escape sequences",
            InvisibleText.Excerpt(raw, found.Index, found.Length), severity);
    }

    /// <summary>SGR ("ESC[...m") without the conceal attribute 8.</summary>
    private static bool IsPlainColour(ReadOnlySpan<char> seq)
    {
        if (seq.Length < 3 || seq[^1] != 'm' || seq[0] != '\u001B' || seq[1] != '[')
        {
            return false;
        }

        foreach (var part in seq[2..^1].ToString().Split(';'))
        {
            if (part == "8")
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Collects findings for one tool or text, one per rule and field, up to a limit.</summary>
internal sealed class FindingSink(string? tool, string context, string? server, int max)
{
    // Created with the first finding: most texts have none, and the proxy scans every tool result.
    private List<Finding>? _findings;
    private HashSet<(string, string)>? _seen;

    public IReadOnlyList<Finding> Findings => _findings ?? (IReadOnlyList<Finding>)[];

    public bool Has(RuleDescriptor rule) => _findings?.Exists(f => f.RuleId == rule.Id) == true;

    // Tool outputs can carry credentials; a finding's excerpt lands in reports and the audit log, so it is redacted.
    private static readonly SecretRedactor Redactor = new();

    public void Add(RuleDescriptor rule, string field, string what, string? excerpt, Severity? severity)
    {
        _findings ??= [];
        _seen ??= [];
        if (_findings.Count >= max || !_seen.Add((rule.Id, field)))
        {
            return;
        }

        what = Redactor.Redact(what);
        excerpt = excerpt is null ? null : Redactor.Redact(excerpt);

        // Names and contexts come from the server: escape them too, or a tool named with ANSI codes would rewrite
        // McpGuard's own report in the terminal.
        var where = InvisibleText.Sanitise(context, 200);
        var subject = tool is null ? where : $"Tool '{InvisibleText.Sanitise(tool, 80)}'";
        var message = excerpt is null ? $"{subject} ({field}): {what}." : $"{subject} ({field}): {what}: \"{excerpt}\"";
        var evidence = new JsonObject { ["field"] = field };
        if (tool is not null)
        {
            evidence["tool"] = InvisibleText.Sanitise(tool, 200);
        }

        if (excerpt is not null)
        {
            evidence["excerpt"] = excerpt;
        }

        _findings.Add(FindingFactory.Create(rule, message, server,
            new SourceLocation { File = where, Snippet = excerpt }, evidence, severity));
    }
}
