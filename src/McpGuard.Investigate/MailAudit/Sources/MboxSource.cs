using System.Runtime.CompilerServices;
using McpGuard.Core;
using MimeKit;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// An mbox file (a Sent folder exported from Thunderbird, Gmail Takeout, mutt...), streamed with MimeKit's reader in
/// mbox mode keeping headers only (<see cref="MboxHeaderReader"/>), so a 1 GB mbox costs one message's headers of memory.
/// </summary>
internal sealed class MboxSource : IMailSource
{
    public string Name => "mbox";

    public string Description => "mbox files (a Sent folder; Thunderbird, Gmail Takeout, mutt)";

    public bool Detect(MailSourceProbe probe) =>
        !probe.IsDirectory && (probe.Head.StartsWith("From ", StringComparison.Ordinal) || probe.Extension == ".mbox");

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (var stream = InputFiles.OpenSequential(path))
        {
            if (!StartsWithFromLine(stream))
            {
                throw new UserInputException($"--input {path}: not an mbox file (it does not start with a 'From ' separator line).");
            }

            var endsWithNewline = EndsWithNewline(stream);
            var reader = new MboxHeaderReader(stream);
            long index = 0;
            while (!reader.IsEndOfStream)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long offset;
                try
                {
                    // Synchronous: a local file behind a 64 KB buffer; an async state machine per message costs more than it saves.
                    reader.ReadMessage(cancellationToken);
                    offset = reader.MarkerOffset;
                }
                catch (FormatException ex)
                {
                    if (index == 0)
                    {
                        throw new UserInputException($"--input {path}: not an mbox file: {ex.Message}", ex);
                    }

                    // A cut file ends inside a message: what came before is audited, the stump is reported.
                    context.Skip(path, null, $"mbox ends in a damaged or truncated message after message {index}; the rest was skipped: {ex.Message}");
                    break;
                }

                var (headersEnd, messageEnd) = (reader.HeadersEnd, reader.MessageEnd);
                index++;
                context.BytesRead = stream.Position;
                if (reader.IsEndOfStream && !endsWithNewline)
                {
                    // The file was cut. Inside the headers, the recipients may be cut half-way: report, do not audit.
                    if (headersEnd >= messageEnd)
                    {
                        context.Skip(path, null, $"message {index} (byte {offset}) is truncated: the file ends inside its headers; skipped");
                        continue;
                    }

                    context.Note(path, $"the file ends without a newline: message {index} (byte {offset}) may be cut inside its body (its headers were complete and were audited)");
                }

                if (MimeHeaders.Map(reader.Headers) is { } record)
                {
                    yield return record;
                }
                else
                {
                    context.Skip(path, null, $"message {index} (byte {offset}) has no To, Cc or Bcc header; skipped");
                }
            }

            if (index == 0)
            {
                throw new UserInputException($"--input {path}: the mbox holds no messages.");
            }
        }
    }

    private static bool StartsWithFromLine(FileStream stream)
    {
        Span<byte> head = stackalloc byte[5];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Seek(0, SeekOrigin.Begin);
        return read == 5 && head.SequenceEqual("From "u8);
    }

    private static bool EndsWithNewline(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Seek(-1, SeekOrigin.End);
        var last = stream.ReadByte();
        stream.Seek(0, SeekOrigin.Begin);
        return last == '\n';
    }
}
