using System.Text.Json;

namespace McpGuard.Verify.Install;

/// <summary>
/// Where one server entry's <c>command</c> and <c>args</c> values are in a JSON(C) file's UTF-8 bytes (start
/// inclusive, end exclusive; a string's span includes its quotes, the array's its brackets).
/// </summary>
internal sealed class JsonEntryLocation
{
    /// <summary>The command's string token; null when the command is not a string.</summary>
    public (int Start, int End)? Command { get; set; }

    /// <summary>The args value when it is an array or <c>null</c>; null when the entry has no args key.</summary>
    public (int Start, int End)? Args { get; set; }

    /// <summary>The string items of the args array, in order.</summary>
    public List<(int Start, int End)> ArgItems { get; } = [];

    /// <summary>
    /// The entry's key path, or its command or args key, was seen more than once. The document parse rejects duplicate
    /// keys before this runs; the flag keeps the locator fail-closed on its own.
    /// </summary>
    public bool Ambiguous { get; set; }

    internal int ArgsStart { get; set; }
}

/// <summary>
/// Finds the byte spans of the <c>command</c> and <c>args</c> values of chosen server entries with one pass of
/// <see cref="Utf8JsonReader"/> (JsonDocument and JsonNode keep no positions), so an edit can replace exactly those
/// values and leave every other byte, comments included, as it was.
/// </summary>
internal static class JsonEntryLocator
{
    /// <summary>
    /// The key of an object's path (property names from the root), unambiguous whatever the names contain: each name
    /// is length-prefixed, so <c>["mcp.servers"]</c> and <c>["mcp", "servers"]</c> differ.
    /// </summary>
    public static string PathKey(IEnumerable<string> names) => string.Concat(names.Select(Segment));

    /// <summary>The path key of a property of the object whose key is <paramref name="parent"/>.</summary>
    public static string Child(string parent, string name) => parent + Segment(name);

    /// <summary>
    /// Locates the entries whose path keys are in <paramref name="entries"/>. Throws <see cref="JsonException"/> if the
    /// bytes do not parse with <paramref name="options"/>.
    /// </summary>
    public static Dictionary<string, JsonEntryLocation> Locate(ReadOnlySpan<byte> utf8, JsonReaderOptions options, IReadOnlySet<string> entries)
    {
        var found = new Dictionary<string, JsonEntryLocation>(StringComparer.Ordinal);
        var onTheWay = OnTheWay(entries);
        var reader = new Utf8JsonReader(utf8, options);
        var frames = new List<Frame>();
        string? name = null;
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (token == JsonTokenType.PropertyName)
            {
                name = reader.GetString();
                continue;
            }

            var start = checked((int)reader.TokenStartIndex);
            var end = checked((int)reader.BytesConsumed);
            var parent = frames.Count > 0 ? frames[^1] : new Frame("", null, null);
            if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                if (parent.ArgsOf is { } owner)
                {
                    owner.Args = (owner.ArgsStart, end);
                }

                frames.RemoveAt(frames.Count - 1);
                name = null;
                continue;
            }

            // The root's key is empty; array items get a segment no property name can have (a name's starts with its length).
            var key = frames.Count == 0 ? "" : name is null ? parent.Key + "#" : Child(parent.Key, name);
            if (parent.Entry is { } entry && name == "command")
            {
                entry.Ambiguous |= entry.Command is not null;
                entry.Command = token == JsonTokenType.String ? (start, end) : null;
            }

            JsonEntryLocation? argsOf = null;
            if (parent.Entry is { } owning && name == "args")
            {
                owning.Ambiguous |= owning.Args is not null;
                if (token == JsonTokenType.Null)
                {
                    owning.Args = (start, end);
                }
                else if (token == JsonTokenType.StartArray)
                {
                    owning.ArgsStart = start;
                    argsOf = owning;
                }
            }

            if (parent.ArgsOf is { } items && token == JsonTokenType.String)
            {
                items.ArgItems.Add((start, end));
            }

            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (argsOf is null && !onTheWay.Contains(key) && !(token == JsonTokenType.StartObject && entries.Contains(key)))
                {
                    // Nothing wanted inside (a big ~/.claude.json is mostly project history): skip it unread.
                    reader.Skip();
                    name = null;
                    continue;
                }

                JsonEntryLocation? located = null;
                if (token == JsonTokenType.StartObject && entries.Contains(key))
                {
                    if (found.TryGetValue(key, out var seen))
                    {
                        seen.Ambiguous = true;
                    }
                    else
                    {
                        found[key] = located = new JsonEntryLocation();
                    }
                }

                frames.Add(new Frame(key, located, argsOf));
            }

            name = null;
        }

        return found;
    }

    private static string Segment(string name) => $"{name.Length}:{name}";

    /// <summary>The keys of the objects that contain a wanted entry, the root's ("") included.</summary>
    private static HashSet<string> OnTheWay(IReadOnlySet<string> entries)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var entry in entries)
        {
            for (var at = 0; at < entry.Length;)
            {
                var colon = entry.IndexOf(':', at);
                at = colon + 1 + int.Parse(entry.AsSpan(at, colon - at), System.Globalization.CultureInfo.InvariantCulture);
                if (at < entry.Length)
                {
                    keys.Add(entry[..at]);
                }
            }
        }

        return keys;
    }

    /// <summary>An open object or array: its path key, and whether it is a wanted entry or an entry's args array.</summary>
    private readonly record struct Frame(string Key, JsonEntryLocation? Entry, JsonEntryLocation? ArgsOf);
}
