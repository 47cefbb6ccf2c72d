using System.Buffers;
using System.IO.Pipelines;

namespace McpGuard.Runtime.Proxy;

/// <summary>What the reader hands to the session for each newline-delimited frame.</summary>
public enum FrameStatus
{
    Complete,

    /// <summary>The line exceeded <see cref="GuardLimits.MaxFrameBytes"/>; its bytes were discarded up to the next newline.</summary>
    Oversize,

    /// <summary>The peer closed the stream in the middle of a line.</summary>
    Truncated,
}

/// <summary>
/// Newline-delimited framing over a <see cref="PipeReader"/> (MCP stdio: one JSON-RPC message per line, no
/// embedded newlines). A line longer than the limit is skipped to its end rather than buffered, so a
/// never-ending line costs at most <see cref="GuardLimits.MaxFrameBytes"/> of memory.
/// </summary>
internal sealed class FrameReader(PipeReader reader, int maxFrameBytes)
{
    /// <summary>
    /// A read that brought at least this many frames is forwarded in two halves. Why: with many requests in flight, a
    /// proxy that forwards each read whole turns them into one wave that every process on the path (client, proxy,
    /// server, proxy) handles in turn while the others wait; on two cores that left a third of the CPU idle during the
    /// harness's pipelined burst. Splitting large reads in two keeps two half-waves moving at once (bench/README.md,
    /// "Session 6"); small reads, the usual case, still cost one flush.
    /// </summary>
    internal const int SliceFrames = 16;

    /// <summary>
    /// Calls <paramref name="onFrame"/> for each frame until the stream ends or the token fires. The memory passed is
    /// valid only during the call (it is the pipe's buffer or a pooled copy for frames spanning segments).
    /// </summary>
    /// <remarks>
    /// <paramref name="onHandled"/> is where the caller flushes coalesced writes (one write per burst instead of one per
    /// frame). It runs when every complete frame read so far was handled, before waiting for more input, and also once
    /// in the middle of a read that brought many frames (<see cref="SliceFrames"/>).
    /// </remarks>
    public async Task RunAsync(Func<ReadOnlyMemory<byte>, FrameStatus, ValueTask> onFrame, Func<ValueTask> onHandled, CancellationToken cancellationToken)
    {
        var skipping = false;
        long skipped = 0;

        // Bytes at the start of the buffer already searched for a newline: a frame arriving in many reads is searched
        // once, not again from its start on every read (a 16 MiB line in 64 KiB reads would be 2 GiB of searching).
        long searched = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var readLength = buffer.Length;
            var handled = 0;
            var halved = false;
            while (true)
            {
                if (buffer.Slice(searched).PositionOf((byte)'\n') is not { } newline)
                {
                    searched = buffer.Length;
                    break;
                }

                var line = buffer.Slice(0, newline);
                buffer = buffer.Slice(buffer.GetPosition(1, newline));
                searched = 0;
                if (skipping)
                {
                    skipping = false;
                    skipped = 0;
                    continue;
                }

                if (line.Length > maxFrameBytes)
                {
                    await onFrame(Prefix(line), FrameStatus.Oversize);
                    continue;
                }

                await Deliver(line, FrameStatus.Complete, onFrame);
                if (++handled >= SliceFrames && !halved && buffer.Length > 0 && buffer.Length * 2 <= readLength)
                {
                    // Half of a large read is handled: send it on now, so the next peer starts on it while the rest is
                    // judged.
                    halved = true;
                    await onHandled();
                }
            }

            if (!skipping && buffer.Length > maxFrameBytes)
            {
                // Report once with a prefix (id recovery may still work), then drop bytes until the newline.
                await onFrame(Prefix(buffer), FrameStatus.Oversize);
                skipping = true;
            }

            if (skipping)
            {
                skipped += buffer.Length;
                buffer = buffer.Slice(buffer.End);
                searched = 0;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                if (!skipping && !IsBlank(buffer))
                {
                    await Deliver(buffer, FrameStatus.Truncated, onFrame);
                }

                await onHandled();

                reader.AdvanceTo(buffer.End);
                await reader.CompleteAsync();
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            await onHandled();
        }
    }

    private static async ValueTask Deliver(ReadOnlySequence<byte> line, FrameStatus status, Func<ReadOnlyMemory<byte>, FrameStatus, ValueTask> onFrame)
    {
        // A CR before LF is JSON whitespace; trimming it keeps CRLF peers working and the forwarded line clean.
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        if (IsBlank(line))
        {
            return;
        }

        if (line.IsSingleSegment)
        {
            await onFrame(line.First, status);
            return;
        }

        var length = (int)line.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            line.CopyTo(rented);
            await onFrame(rented.AsMemory(0, length), status);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The first 4 KiB of an oversize line: enough to find an "id" that comes first, bounded in cost.</summary>
    private static ReadOnlyMemory<byte> Prefix(ReadOnlySequence<byte> line) =>
        line.Slice(0, Math.Min(line.Length, 4096)).ToArray();

    private static bool IsBlank(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
