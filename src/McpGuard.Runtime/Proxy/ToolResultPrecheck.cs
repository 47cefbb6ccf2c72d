using System.Buffers;
using System.Text.Json;
using McpGuard.Core.Tools;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// One forward-only pass over a tools/call answer that proves the common case cheaply: no member name repeated in any
/// object and no finding in any text the full inspection scans (content items' <c>text</c> and <c>resource.text</c>,
/// every string under <c>structuredContent</c>). It builds no document and no strings. Any doubt answers false —
/// an escaped or repeated member name, a very wide or deep object, malformed JSON, a string it cannot decode, any
/// finding — and the caller then runs the full inspection (strict <see cref="JsonDocument"/>, findings with paths,
/// strip), which decides exactly as before. So this pass can only skip work, never change a verdict.
/// </summary>
internal static class ToolResultPrecheck
{
    /// <summary>Members per object compared pairwise here; a wider object goes to the full inspection.</summary>
    private const int MaxMembers = 32;

    /// <summary>Nesting followed here (each level holds a small stack buffer); deeper answers go to the full inspection.</summary>
    private const int MaxDepth = 64;

    /// <summary>Strings up to this many chars are decoded on the stack; longer ones into a pooled buffer.</summary>
    private const int StackChars = 256;

    /// <summary>Same bound as the full inspection's pooled buffer: a longer string is left to it.</summary>
    private const int MaxPooledChars = 4 * 1024 * 1024;

    private enum Mode
    {
        Plain,
        Root,
        Result,
        ContentArray,
        ContentItem,
        Resource,
        Text,
        AllStrings,
    }

    /// <summary>True when <paramref name="frame"/> (a complete, UTF-8-valid JSON-RPC response) is certainly clean.</summary>
    public static bool IsClean(ReadOnlySpan<byte> frame, int maxDepth, IToolDescriptionScanner scanner, string server)
    {
        var state = new State(frame, scanner, server);
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = maxDepth });
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && Object(ref reader, ref state, Mode.Root, depth: 1)
                && !reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Malformed, too deep, an undecodable escape: the full inspection reports it.
            return false;
        }
        finally
        {
            state.ReturnBuffer();
        }
    }

    private static bool Object(ref Utf8JsonReader reader, ref State state, Mode mode, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        Span<(int Start, int Length)> names = stackalloc (int, int)[MaxMembers];
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Escaped names would have to be unescaped to compare as the strict parse does: leave those to it.
            if (reader.ValueIsEscaped || count == MaxMembers)
            {
                return false;
            }

            var start = (int)reader.TokenStartIndex + 1;
            var name = reader.ValueSpan;
            for (var i = 0; i < count; i++)
            {
                if (state.Frame.Slice(names[i].Start, names[i].Length).SequenceEqual(name))
                {
                    return false;
                }
            }

            names[count++] = (start, name.Length);
            var child = ChildMode(mode, name);
            if (!reader.Read() || !Value(ref reader, ref state, child, depth))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool Array(ref Utf8JsonReader reader, ref State state, Mode itemMode, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return true;
            }

            if (!Value(ref reader, ref state, itemMode, depth))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The value at the reader's current token, expected to be of <paramref name="mode"/>'s kind (else plain).</summary>
    private static bool Value(ref Utf8JsonReader reader, ref State state, Mode mode, int depth) => reader.TokenType switch
    {
        JsonTokenType.StartObject => Object(ref reader, ref state, mode is Mode.Result or Mode.ContentItem or Mode.Resource or Mode.AllStrings ? mode : Mode.Plain, depth + 1),
        JsonTokenType.StartArray => Array(ref reader, ref state, mode switch
        {
            Mode.ContentArray => Mode.ContentItem,
            Mode.AllStrings => Mode.AllStrings,
            _ => Mode.Plain,
        }, depth + 1),
        JsonTokenType.String when mode is Mode.Text or Mode.AllStrings => state.ScanIsClean(ref reader),
        _ => true,
    };

    /// <summary>
    /// What a member's value is to the full inspection. A content item's <c>text</c> and its <c>resource.text</c> are
    /// both scanned here, where the full inspection scans the second only without the first: a superset, so "clean"
    /// here still implies clean there.
    /// </summary>
    private static Mode ChildMode(Mode parent, ReadOnlySpan<byte> name) => parent switch
    {
        Mode.Root when name.SequenceEqual("result"u8) => Mode.Result,
        Mode.Result when name.SequenceEqual("content"u8) => Mode.ContentArray,
        Mode.Result when name.SequenceEqual("structuredContent"u8) => Mode.AllStrings,
        Mode.ContentItem when name.SequenceEqual("text"u8) => Mode.Text,
        Mode.ContentItem when name.SequenceEqual("resource"u8) => Mode.Resource,
        Mode.Resource when name.SequenceEqual("text"u8) => Mode.Text,
        Mode.AllStrings => Mode.AllStrings,
        _ => Mode.Plain,
    };

    private ref struct State(ReadOnlySpan<byte> frame, IToolDescriptionScanner scanner, string server)
    {
        public readonly ReadOnlySpan<byte> Frame = frame;
        private char[]? _rented;

        /// <summary>Decodes the string at the reader (no string allocated) and scans it as tool output.</summary>
        public bool ScanIsClean(ref Utf8JsonReader reader)
        {
            // UTF-16 never needs more chars than the escaped UTF-8 has bytes.
            var most = reader.ValueSpan.Length;
            if (most > MaxPooledChars)
            {
                return false;
            }

            var buffer = most <= StackChars ? stackalloc char[StackChars] : Rent(most);
            var length = reader.CopyString(buffer);

            // The context names nothing: a text with findings is scanned again by the full inspection, which reports it.
            return scanner.ScanText(buffer[..length], "tool result", server).Count == 0;
        }

        private Span<char> Rent(int length)
        {
            if (_rented is null || _rented.Length < length)
            {
                ReturnBuffer();
                _rented = ArrayPool<char>.Shared.Rent(length);
            }

            return _rented;
        }

        public void ReturnBuffer()
        {
            if (_rented is not null)
            {
                ArrayPool<char>.Shared.Return(_rented);
                _rented = null;
            }
        }
    }
}
