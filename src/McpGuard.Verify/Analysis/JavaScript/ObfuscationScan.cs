using System.Text.RegularExpressions;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>
/// Whole-text obfuscation signals, found without running a regex over every character of a multi-megabyte file:
/// a run of at least N characters always covers a position that is a multiple of N, so only every Nth character
/// is probed and a run is measured only where a probe lands in one.
/// </summary>
internal static partial class ObfuscationScan
{
    private const int JsFuckRunLength = 40;
    private const int OffScreenRunLength = 150;

    /// <summary>Start of the first run of 40+ JSFuck symbols ([]()+!), or -1.</summary>
    public static int JsFuckRun(string text) => FirstRun(text, JsFuckRunLength, IsJsFuckSymbol, static (_, _) => true);

    /// <summary>
    /// Start of the first run of 150+ spaces/tabs followed on the same line (within 200 characters) by eval, Function,
    /// require, exec or atob and a call parenthesis: code pushed out of sight in an editor. -1 when there is none.
    /// </summary>
    public static int OffScreenCall(string text) =>
        FirstRun(text, OffScreenRunLength, static c => c is ' ' or '\t', static (t, end) => CallAfterRun().IsMatch(t.AsSpan(end)));

    private static int FirstRun(string text, int minLength, Func<char, bool> inRun, Func<string, int, bool> accept)
    {
        for (var probe = minLength - 1; probe < text.Length; probe += minLength)
        {
            if (!inRun(text[probe]))
            {
                continue;
            }

            var start = probe;
            while (start > 0 && inRun(text[start - 1]))
            {
                start--;
            }

            var end = probe + 1;
            while (end < text.Length && inRun(text[end]))
            {
                end++;
            }

            if (end - start >= minLength && accept(text, end))
            {
                return start;
            }

            // Continue with the first probe at or after the run's end (the loop adds minLength), so no run is measured twice.
            var next = end <= minLength - 1 ? minLength - 1 : ((end - (minLength - 1) + minLength - 1) / minLength * minLength) + minLength - 1;
            probe = next - minLength;
        }

        return -1;
    }

    private static bool IsJsFuckSymbol(char c) => c is '[' or ']' or '(' or ')' or '+' or '!';

    // Anchored at the end of the whitespace run (IsMatch on the span starting there). The call may start right after
    // the run: the earlier whole-file pattern required another character first and so missed "<spaces>eval(".
    [GeneratedRegex(@"^(?:[^\s][^\n]{0,200}?)?\b(?:eval|Function|require|exec|atob)\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex CallAfterRun();
}
