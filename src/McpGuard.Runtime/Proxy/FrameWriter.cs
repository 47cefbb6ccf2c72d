using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Writes whole frames (bytes + '\n') to one peer. Both pumps may write to the same peer (forwarded messages and
/// synthesized errors), so writes are serialized; FlushAsync waits while the peer is not reading (backpressure).
/// </summary>
internal sealed class FrameWriter(PipeWriter writer)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _completed;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
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
            var result = await writer.FlushAsync(cancellationToken);
            if (result.IsCompleted)
            {
                // The reader side is gone (peer closed its stdin): later frames have nowhere to go.
                _completed = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Builds a frame with <paramref name="build"/> and writes it.</summary>
    public async ValueTask WriteAsync(Action<Utf8JsonWriter> build, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            build(json);
        }

        await WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    public async ValueTask CompleteAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (!_completed)
            {
                _completed = true;
                await writer.CompleteAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
