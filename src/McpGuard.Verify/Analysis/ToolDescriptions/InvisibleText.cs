using System.Globalization;
using System.Text;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>What kind of invisible character was seen; decides the rule.</summary>
internal enum InvisibleKind
{
    None,
    Tag,
    Bidi,
    ZeroWidth,
}

/// <summary>
/// Finds characters a reviewer cannot see but a model reads, decodes Unicode tag "ASCII smuggling", and produces
/// the normalised text the phrase rules run on (invisible characters removed, smuggled text appended).
/// </summary>
internal static class InvisibleText
{
    /// <summary>First offending character of each kind, with the decoded tag text when there is some.</summary>
    public sealed record Scan(int TagIndex, int BidiIndex, int ZeroWidthIndex, string? SmuggledText, int Count)
    {
        public bool Any => Count > 0;
    }

    public static InvisibleKind Classify(Rune rune, Rune previous, Rune next)
    {
        var v = rune.Value;
        if (v is >= 0xE0000 and <= 0xE007F)
        {
            return InvisibleKind.Tag;
        }

        if (v is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069)
        {
            return InvisibleKind.Bidi;
        }

        // ZWNJ/ZWJ are legitimate in Persian, Indic scripts and emoji sequences; between two ASCII letters they only
        // serve to split a word (a keyword-filter dodge), so only that case counts.
        if (v is 0x200C or 0x200D)
        {
            return IsAsciiLetter(previous) && IsAsciiLetter(next) ? InvisibleKind.ZeroWidth : InvisibleKind.None;
        }

        return v switch
        {
            0x200B or 0x2060 or 0x2061 or 0x2062 or 0x2063 or 0x2064 or 0xFEFF or 0x00AD or 0x180E
                or 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x034F => InvisibleKind.ZeroWidth,
            >= 0xE0100 and <= 0xE01EF => InvisibleKind.ZeroWidth, // variation selectors used to smuggle bytes
            _ => InvisibleKind.None,
        };
    }

    // Shared: a clean text (the common case) allocates no result.
    private static readonly Scan Clean = new(-1, -1, -1, null, 0);

    public static Scan Find(ReadOnlySpan<char> text)
    {
        int tag = -1, bidi = -1, zw = -1, count = 0;
        StringBuilder? smuggled = null;

        // Every invisible character is at U+00AD or above: a vectorised search skips the plain ASCII/Latin-1 prefix
        // (all of a typical text; a 1 MiB tool result took ~50 ms rune by rune in the proxy).
        var index = text.IndexOfAnyExceptInRange('\u0000', '\u00AC');
        if (index < 0)
        {
            return Clean;
        }

        var previous = index > 0 ? new Rune(text[index - 1]) : default;
        while (index < text.Length)
        {
            var status = Rune.DecodeFromUtf16(text[index..], out var rune, out var used);
            if (status != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = 1;
            }

            var next = NextRune(text, index + used);
            switch (Classify(rune, previous, next))
            {
                case InvisibleKind.Tag:
                    if (tag < 0) { tag = index; }
                    count++;
                    if (rune.Value is >= 0xE0020 and <= 0xE007E)
                    {
                        (smuggled ??= new StringBuilder()).Append((char)(rune.Value - 0xE0000));
                    }

                    break;
                case InvisibleKind.Bidi:
                    if (bidi < 0) { bidi = index; }
                    count++;
                    break;
                case InvisibleKind.ZeroWidth:
                    // A byte-order mark at the very start is an encoding artefact, not hiding.
                    if (!(rune.Value == 0xFEFF && index == 0))
                    {
                        if (zw < 0) { zw = index; }
                        count++;
                    }

                    break;
                default:
                    break;
            }

            previous = rune;
            index += used;
        }

        return new Scan(tag, bidi, zw, smuggled?.ToString(), count);
    }

    /// <summary>
    /// Text for the phrase rules: invisible characters removed (so "ig\u200Bnore" reads "ignore") and any text smuggled
    /// in tag characters appended, so hidden instructions are judged like visible ones. Returns the input when clean.
    /// </summary>
    public static string Normalise(string text, Scan scan) => scan.Any ? Normalise(text.AsSpan(), scan).ToString() : text;

    /// <inheritdoc cref="Normalise(string, Scan)"/>
    public static ReadOnlySpan<char> Normalise(ReadOnlySpan<char> text, Scan scan)
    {
        if (!scan.Any)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var previous = default(Rune);
        var index = 0;
        while (index < text.Length)
        {
            if (Rune.DecodeFromUtf16(text[index..], out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = 1;
            }

            if (Classify(rune, previous, NextRune(text, index + used)) == InvisibleKind.None)
            {
                sb.Append(text.Slice(index, used));
            }

            previous = rune;
            index += used;
        }

        if (scan.SmuggledText is { Length: > 0 } hidden)
        {
            sb.Append('\n').Append(hidden);
        }

        return sb.ToString().AsSpan();
    }

    private static Rune NextRune(ReadOnlySpan<char> text, int index) =>
        index < text.Length && Rune.DecodeFromUtf16(text[index..], out var r, out _) == System.Buffers.OperationStatus.Done
            ? r
            : default;

    private static bool IsAsciiLetter(Rune r) => r.IsAscii && char.IsAsciiLetter((char)r.Value);

    /// <summary>
    /// A short excerpt safe to print in a terminal, a log or a report: control, format and invisible characters are
    /// shown as \u{XXXX}, newlines and tabs as spaces, and the result is cut to about <paramref name="max"/> characters.
    /// </summary>
    public static string Excerpt(ReadOnlySpan<char> text, int start, int length, int max = 120)
    {
        var context = Math.Max(0, (max - length) / 2);
        var from = Math.Max(0, start - context);
        var to = Math.Min(text.Length, Math.Max(start + length, from + max));
        if (from > 0 && char.IsLowSurrogate(text[from]))
        {
            from--;
        }

        var sb = new StringBuilder(to - from + 16);
        if (from > 0)
        {
            sb.Append('…');
        }

        var i = from;
        var written = 0;
        while (i < to && written < max)
        {
            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)text[i]:X4}}}");
                i++;
                written++;
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value is '\n' or '\r' or '\t')
            {
                if (sb.Length == 0 || sb[^1] != ' ')
                {
                    sb.Append(' ');
                }
            }
            else if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                     or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
                     or UnicodeCategory.ParagraphSeparator
                     || Classify(rune, default, default) != InvisibleKind.None)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            }
            else
            {
                sb.Append(text.Slice(i, used));
            }

            i += used;
            written++;
        }

        if (i < text.Length)
        {
            sb.Append('…');
        }

        return sb.ToString();
    }

    /// <summary>The whole text sanitised the same way (for names and short values).</summary>
    public static string Sanitise(string text, int max = 120) => Excerpt(text.AsSpan(), 0, 0, max);
}
