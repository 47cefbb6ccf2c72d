using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace McpGuard.Runtime.Egress.Http;

/// <summary>
/// Strict HTTP/1.1 request reader over a <see cref="PipeReader"/>: request heads and whole bodies (Content-Length or
/// chunked), bounded by <see cref="EgressLimits"/>. Strict on purpose: anything ambiguous (bare CR/LF, obs-fold,
/// whitespace before the colon, CL with TE, several Content-Length headers, a transfer coding other than chunked) is
/// refused, because two parsers disagreeing on message boundaries is how inspection gets smuggled around.
/// We chose this small parser over hosting Kestrel on an in-memory transport: CONNECT tunnels, absolute-form and the
/// decrypted inner requests all go through one code path we control, and it stays a few hundred lines.
/// </summary>
internal sealed class Http1Reader(PipeReader reader, EgressLimits limits)
{
    private const int MaxChunkLineBytes = 1024;
    private static readonly byte[] s_headEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>Reads the next request head; null when the client closed cleanly between requests.</summary>
    public async ValueTask<HttpRequestHead?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var maxHead = limits.MaxRequestLineBytes + limits.MaxHeaderBytes;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> headBytes, s_headEnd, advancePastDelimiter: true))
            {
                if (headBytes.Length > maxHead)
                {
                    throw new EgressProtocolException(431, "request head too large");
                }

                var head = Parse(Encoding.Latin1.GetString(headBytes));
                reader.AdvanceTo(sequenceReader.Position);
                return head;
            }

            if (buffer.Length > maxHead)
            {
                throw new EgressProtocolException(431, "request head too large");
            }

            if (result.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    return null;
                }

                throw new EgressProtocolException(400, "truncated request head");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>True when bytes are already buffered beyond the last head (a client that did not wait for our answer).</summary>
    public bool HasBufferedBytes()
    {
        if (!reader.TryRead(out var result))
        {
            return false;
        }

        var any = !result.Buffer.IsEmpty;
        reader.AdvanceTo(result.Buffer.Start);
        return any;
    }

    /// <summary>How the body is framed; throws for framings we refuse.</summary>
    public static BodyFraming GetFraming(HttpRequestHead head)
    {
        var te = head.GetAll("Transfer-Encoding").ToList();
        var cl = head.GetAll("Content-Length").ToList();
        if (te.Count > 0 && cl.Count > 0)
        {
            throw new EgressProtocolException(400, "both Content-Length and Transfer-Encoding (request smuggling shape)");
        }

        if (te.Count > 0)
        {
            if (te.Count > 1 || !te[0].Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                throw new EgressProtocolException(501, "only 'Transfer-Encoding: chunked' is accepted");
            }

            return new BodyFraming(true, -1);
        }

        if (cl.Count > 1)
        {
            throw new EgressProtocolException(400, "several Content-Length headers");
        }

        if (cl.Count == 1)
        {
            var text = cl[0];
            if (text.Length is 0 or > 18 || !text.All(char.IsAsciiDigit))
            {
                throw new EgressProtocolException(400, "invalid Content-Length");
            }

            return new BodyFraming(false, long.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }

        return new BodyFraming(false, 0);
    }

    /// <summary>
    /// Reads the whole body. Returns null when it exceeds <paramref name="maxBytes"/>: the caller blocks it, and the
    /// connection must then close because the rest of the body was not consumed.
    /// </summary>
    public async ValueTask<byte[]?> ReadBodyAsync(BodyFraming framing, long maxBytes, CancellationToken cancellationToken)
    {
        if (!framing.Chunked)
        {
            if (framing.Length > maxBytes)
            {
                return null;
            }

            var body = new byte[framing.Length];
            await ReadExactAsync(body, cancellationToken);
            return body;
        }

        using var collected = new MemoryStream();
        while (true)
        {
            var line = await ReadLineAsync(MaxChunkLineBytes, cancellationToken);
            var sizeText = line.Split(';', 2)[0].Trim();
            if (sizeText.Length is 0 or > 15 || !sizeText.All(char.IsAsciiHexDigit))
            {
                throw new EgressProtocolException(400, "invalid chunk size");
            }

            var size = long.Parse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers are read and dropped: nothing downstream needs them and they must not hide headers.
                var trailerBytes = 0;
                while ((line = await ReadLineAsync(limits.MaxHeaderBytes, cancellationToken)).Length > 0)
                {
                    trailerBytes += line.Length;
                    if (trailerBytes > limits.MaxHeaderBytes)
                    {
                        throw new EgressProtocolException(431, "trailers too large");
                    }
                }

                return collected.ToArray();
            }

            if (collected.Length + size > maxBytes)
            {
                return null;
            }

            var chunk = new byte[size];
            await ReadExactAsync(chunk, cancellationToken);
            collected.Write(chunk);
            if ((await ReadLineAsync(2, cancellationToken)).Length != 0)
            {
                throw new EgressProtocolException(400, "chunk not followed by CRLF");
            }
        }
    }

    private async ValueTask ReadExactAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (destination.Length > 0)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, destination.Length);
            buffer.Slice(0, take).CopyTo(destination.Span);
            destination = destination[take..];
            reader.AdvanceTo(buffer.GetPosition(take));
            if (destination.Length > 0 && result.IsCompleted)
            {
                throw new EgressProtocolException(400, "body truncated");
            }
        }
    }

    private async ValueTask<string> ReadLineAsync(int maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> lineBytes, "\r\n"u8, advancePastDelimiter: true))
            {
                if (lineBytes.Length > maxBytes)
                {
                    throw new EgressProtocolException(400, "line too long");
                }

                var line = Encoding.Latin1.GetString(lineBytes);
                reader.AdvanceTo(sequenceReader.Position);
                if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
                {
                    throw new EgressProtocolException(400, "bare CR or LF");
                }

                return line;
            }

            if (buffer.Length > maxBytes + 2)
            {
                throw new EgressProtocolException(400, "line too long");
            }

            if (result.IsCompleted)
            {
                throw new EgressProtocolException(400, "body truncated");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private HttpRequestHead Parse(string text)
    {
        var lines = text.Split("\r\n");
        foreach (var line in lines)
        {
            if (line.Contains('\r', StringComparison.Ordinal) || line.Contains('\n', StringComparison.Ordinal))
            {
                throw new EgressProtocolException(400, "bare CR or LF in the request head");
            }
        }

        var requestLine = lines[0];
        if (requestLine.Length > limits.MaxRequestLineBytes)
        {
            throw new EgressProtocolException(414, "request line too long");
        }

        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[0].All(IsTokenChar) || parts[1].Length == 0
            || parts[1].Any(c => c <= ' ' || c >= 0x7F))
        {
            throw new EgressProtocolException(400, "malformed request line");
        }

        if (parts[2] is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            throw new EgressProtocolException(505, "only HTTP/1.1 is supported");
        }

        if (lines.Length - 1 > limits.MaxHeaderCount)
        {
            throw new EgressProtocolException(431, "too many headers");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !line.AsSpan(0, colon).ToString().All(IsTokenChar))
            {
                // Also catches obs-fold (a line starting with whitespace) and "Name : value".
                throw new EgressProtocolException(400, "malformed header line");
            }

            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => (c < 0x20 && c != '\t') || c == 0x7F))
            {
                throw new EgressProtocolException(400, "control character in a header value");
            }

            headers.Add(new(line[..colon], value));
        }

        return new HttpRequestHead(parts[0], parts[1], parts[2], headers);
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

/// <summary>Chunked, or a fixed length (0 = no body).</summary>
internal readonly record struct BodyFraming(bool Chunked, long Length)
{
    public bool HasBody => Chunked || Length > 0;
}
