using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Writes whole frames (bytes + '\n') to one peer. Both pumps may write to the same peer (forwarded messages and
/// synthesized errors), so writes are serialized; FlushAsync waits while the peer is not reading (backpressure).
/// Frames only leave the process on a flush, and every flush first awaits <paramref name="beforeFlush"/> (the audit
/// commit of every event recorded so far): that is what makes "committed before forwarded" hold for buffered frames.
/// </summary>
internal sealed class FrameWriter(PipeWriter writer, Func<CancellationToken, ValueTask> beforeFlush)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _completed;

    /// <summary>
    /// Buffers a frame; it is sent at the next <see cref="FlushAsync"/> (the pumps flush when their input is drained)
    /// or at once when <paramref name="flush"/> is set (frames the sender then waits on) or the buffer is large.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken, bool flush = false)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_completed)
            {
                return;
            }

            writer.Write(frame.Span);
            writer.Write("\n"u8);

            // 64 KiB: bounds what sits unflushed while a burst is being handled.
            if (flush || writer.UnflushedBytes >= 65536)
            {
                await FlushCoreAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _completed) || writer.UnflushedBytes == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_completed && writer.UnflushedBytes > 0)
            {
                await FlushCoreAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
        await beforeFlush(cancellationToken);
        var result = await writer.FlushAsync(cancellationToken);
        if (result.IsCompleted)
        {
            // The reader side is gone (peer closed its stdin): later frames have nowhere to go.
            _completed = true;
        }
    }

    /// <summary>Builds a frame with <paramref name="build"/> and writes it.</summary>
    public async ValueTask WriteAsync(Action<Utf8JsonWriter> build, CancellationToken cancellationToken, bool flush = true)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            build(json);
        }

        await WriteAsync(buffer.WrittenMemory, cancellationToken, flush);
    }

    public async ValueTask CompleteAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (!_completed)
            {
                _completed = true;
                try
                {
                    await beforeFlush(CancellationToken.None);
                }
                catch (Exception ex)
                {
                    // Fail closed: the buffered frames' events were not committed, so they are dropped, not sent
                    // (completing with an exception discards what is buffered). The audit error surfaces elsewhere.
                    await writer.CompleteAsync(ex);
                    return;
                }

                try
                {
                    await writer.FlushAsync();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The peer is gone; nothing left to deliver.
                }

                await writer.CompleteAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
