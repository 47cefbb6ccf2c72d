using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using McpGuard.Core.Tools;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// One forward-only pass over an inspected frame (a tools/call request or its answer) that handles the common case
/// without the strict <see cref="JsonDocument"/>: it proves that no member name repeats in any object (what the strict
/// parse refuses) and reads or checks what the proxy needs. Any doubt — an escaped or repeated member name, a very
/// wide or deep object, malformed JSON, a string it cannot decode, anything unusual in the parts it reads — answers
/// "no", and the caller runs its full inspection (strict document, exact errors and findings), which decides exactly
/// as before. So this pass can only skip work, never change a verdict.
/// </summary>
internal static class FramePrecheck
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
        ResultRoot,
        Result,
        ContentArray,
        ContentItem,
        Resource,
        Text,
        AllStrings,
        CallRoot,
        CallParams,
        CallName,
        CallArguments,
    }

    /// <summary>
    /// True when <paramref name="frame"/> (a complete, UTF-8-valid tools/call answer) is certainly clean: no repeated
    /// member and no finding in any text the full inspection scans (content items' <c>text</c> and
    /// <c>resource.text</c>, every string under <c>structuredContent</c>).
    /// </summary>
    public static bool IsCleanToolResult(ReadOnlySpan<byte> frame, int maxDepth, IToolDescriptionScanner scanner, string server)
    {
        var state = new State(frame, scanner, server);
        try
        {
            return Walk(frame, maxDepth, Mode.ResultRoot, ref state);
        }
        finally
        {
            state.ReturnBuffer();
        }
    }

    /// <summary>
    /// Reads a tools/call request (complete, UTF-8-valid) with no repeated member anywhere, whose <c>params</c> is an
    /// object with a string <c>name</c> and an <c>arguments</c> object, null or nothing. <paramref name="arguments"/> is
    /// an independent copy of an arguments object (null otherwise), as the strict path's clone. False: anything else,
    /// for the strict path to refuse or read.
    /// </summary>
    public static bool TryReadToolCall(ReadOnlyMemory<byte> frame, int maxDepth, [NotNullWhen(true)] out string? tool, out JsonElement? arguments)
    {
        var state = new State(frame.Span, scanner: null, server: "");
        tool = null;
        arguments = null;
        if (!Walk(frame.Span, maxDepth, Mode.CallRoot, ref state) || state.Name is null || state.ArgumentsKind is not (JsonTokenType.None or JsonTokenType.Null or JsonTokenType.StartObject))
        {
            return false;
        }

        if (state.ArgumentsKind == JsonTokenType.StartObject)
        {
            // Only the arguments are parsed (repeated members were refused above, so no second check), then cloned: the
            // clone is independent of the frame's buffer, which is reused after this frame. (ParseValue, which copies
            // too, cost twice as much as this for a small object: it sizes its table from scratch.)
            using var document = JsonDocument.Parse(frame[state.ArgumentsStart..state.ArgumentsEnd], new JsonDocumentOptions { MaxDepth = maxDepth });
            arguments = document.RootElement.Clone();
        }

        tool = state.Name;
        return true;
    }

    private static bool Walk(ReadOnlySpan<byte> frame, int maxDepth, Mode root, ref State state)
    {
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = maxDepth });
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && Object(ref reader, ref state, root, depth: 1)
                && !reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Malformed, too deep, an undecodable escape: the full inspection reports it.
            return false;
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
    private static bool Value(ref Utf8JsonReader reader, ref State state, Mode mode, int depth) => mode switch
    {
        Mode.CallName => state.ReadName(ref reader),
        Mode.CallArguments => state.ReadArguments(ref reader, depth),
        _ => PlainValue(ref reader, ref state, mode, depth),
    };

    private static bool PlainValue(ref Utf8JsonReader reader, ref State state, Mode mode, int depth) => reader.TokenType switch
    {
        JsonTokenType.StartObject => Object(ref reader, ref state, mode is Mode.Result or Mode.ContentItem or Mode.Resource or Mode.AllStrings or Mode.CallParams ? mode : Mode.Plain, depth + 1),
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
        Mode.ResultRoot when name.SequenceEqual("result"u8) => Mode.Result,
        Mode.Result when name.SequenceEqual("content"u8) => Mode.ContentArray,
        Mode.Result when name.SequenceEqual("structuredContent"u8) => Mode.AllStrings,
        Mode.ContentItem when name.SequenceEqual("text"u8) => Mode.Text,
        Mode.ContentItem when name.SequenceEqual("resource"u8) => Mode.Resource,
        Mode.Resource when name.SequenceEqual("text"u8) => Mode.Text,
        Mode.AllStrings => Mode.AllStrings,
        Mode.CallRoot when name.SequenceEqual("params"u8) => Mode.CallParams,
        Mode.CallParams when name.SequenceEqual("name"u8) => Mode.CallName,
        Mode.CallParams when name.SequenceEqual("arguments"u8) => Mode.CallArguments,
        _ => Mode.Plain,
    };

    private ref struct State(ReadOnlySpan<byte> frame, IToolDescriptionScanner? scanner, string server)
    {
        public readonly ReadOnlySpan<byte> Frame = frame;
        private char[]? _rented;

        /// <summary>A tools/call's params.name when it is a string.</summary>
        public string? Name;

        /// <summary>The first token of params.arguments (None: absent) and its bytes.</summary>
        public JsonTokenType ArgumentsKind;
        public int ArgumentsStart;
        public int ArgumentsEnd;

        public bool ReadName(ref Utf8JsonReader reader)
        {
            // Not a string: the strict path says what is wrong.
            Name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return Name is not null;
        }

        public bool ReadArguments(ref Utf8JsonReader reader, int depth)
        {
            ArgumentsKind = reader.TokenType;
            ArgumentsStart = (int)reader.TokenStartIndex;
            if (!PlainValue(ref reader, ref this, Mode.Plain, depth))
            {
                return false;
            }

            ArgumentsEnd = (int)reader.BytesConsumed;
            return true;
        }

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
            return scanner!.ScanText(buffer[..length], "tool result", server).Count == 0;
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
