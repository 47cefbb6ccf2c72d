namespace McpGuard.Verify.Install;

/// <summary>One replacement in a config's original text: <see cref="Length"/> units at <see cref="Offset"/> become <see cref="Text"/>.</summary>
internal sealed record TextEdit(int Offset, int Length, string Text);

/// <summary>
/// The smallest splice of a string array's text from one list of items to another, shared by the TOML and JSON
/// configs: an insertion before a kept item, a deletion up to a kept item, or same-length replacements keep every
/// other item's text (and comments) as they were, so wrapping and unwrapping restore the exact bytes; anything else
/// rewrites the whole array value on one line. Offsets are in whatever unit the caller's spans use.
/// </summary>
internal static class ArraySplice
{
    /// <param name="items">The start and end of each item's value text, in order.</param>
    /// <param name="array">The start and end of the whole array value (brackets included).</param>
    /// <param name="old">The items' values as they are.</param>
    /// <param name="now">The values to write.</param>
    /// <param name="quote">One value written as the format's string literal.</param>
    public static IEnumerable<TextEdit> Edits(IReadOnlyList<(int Start, int End)> items, (int Start, int End) array, IReadOnlyList<string> old, IReadOnlyList<string> now, Func<string, string> quote)
    {
        var prefix = 0;
        while (prefix < old.Count && prefix < now.Count && old[prefix] == now[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < old.Count - prefix && suffix < now.Count - prefix && old[old.Count - 1 - suffix] == now[now.Count - 1 - suffix])
        {
            suffix++;
        }

        var removed = old.Count - prefix - suffix;
        var inserted = now.Skip(prefix).Take(now.Count - prefix - suffix).ToList();
        if (removed == 0 && inserted.Count == 0)
        {
            yield break;
        }

        if (removed == 0 && prefix < old.Count)
        {
            yield return new TextEdit(items[prefix].Start, 0, string.Concat(inserted.Select(a => quote(a) + ", ")));
        }
        else if (inserted.Count == 0 && suffix > 0)
        {
            var from = items[prefix].Start;
            yield return new TextEdit(from, items[prefix + removed].Start - from, "");
        }
        else if (removed == inserted.Count)
        {
            for (var i = 0; i < removed; i++)
            {
                var item = items[prefix + i];
                yield return new TextEdit(item.Start, item.End - item.Start, quote(inserted[i]));
            }
        }
        else
        {
            yield return new TextEdit(array.Start, array.End - array.Start, OneLine(now, quote));
        }
    }

    /// <summary>The array written on one line: <c>["a", "b"]</c>.</summary>
    public static string OneLine(IReadOnlyList<string> items, Func<string, string> quote) => $"[{string.Join(", ", items.Select(quote))}]";
}
