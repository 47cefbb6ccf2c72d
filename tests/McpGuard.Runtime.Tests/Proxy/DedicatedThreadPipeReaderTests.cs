using System.IO.Pipelines;
using System.Text;
using McpGuard.Runtime.Proxy;

namespace McpGuard.Runtime.Tests.Proxy;

/// <summary>
/// The per-direction reading thread of the proxy's pump: frames handled inline on it, reads only on demand (bounded
/// buffering), cancellation and stream failures reach the consumer, large frames span reads.
/// </summary>
public sealed class DedicatedThreadPipeReaderTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Frames_AreHandledInlineOnTheReadingThread_InOrder_UntilEndOfStream()
    {
        var text = string.Concat(Enumerable.Range(0, 500).Select(i => $"{{\"id\":{i}}}\n"));
        var reader = new DedicatedThreadPipeReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), 4096, "test reader");
        var frames = new List<string>();
        var threads = new HashSet<(int Id, string? Name)>();
        var caller = Environment.CurrentManagedThreadId;

        await new FrameReader(reader, 1 << 20).RunAsync((frame, status) =>
        {
            Assert.Equal(FrameStatus.Complete, status);
            frames.Add(Encoding.UTF8.GetString(frame.Span));
            threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
            return ValueTask.CompletedTask;
        }, () => ValueTask.CompletedTask, TestContext.Current.CancellationToken).WaitAsync(Generous, TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"{{\"id\":{i}}}"), frames);
        // Never a hop to a third thread: frames are handled inline on the reading thread, or on the caller's when a read
        // completed before the caller awaited it. (A MemoryStream is read so fast that the reading thread can win that
        // race on every read; on a real pipe the consumer is already waiting and runs on the reading thread.)
        Assert.All(threads, t => Assert.True(t.Name == "test reader" || t.Id == caller, $"frame handled on thread {t.Id} '{t.Name}'"));
    }

    [Fact]
    public async Task LargeFrame_SpanningManyReads_IsDeliveredWhole()
    {
        var big = "{\"t\":\"" + new string('x', 300_000) + "\"}";
        var reader = new DedicatedThreadPipeReader(new MemoryStream(Encoding.UTF8.GetBytes(big + "\n{\"id\":2}\n")), 4096, "test reader");
        var lengths = new List<int>();

        await new FrameReader(reader, 1 << 20).RunAsync((frame, _) =>
        {
            lengths.Add(frame.Length);
            return ValueTask.CompletedTask;
        }, () => ValueTask.CompletedTask, TestContext.Current.CancellationToken).WaitAsync(Generous, TestContext.Current.CancellationToken);

        Assert.Equal([big.Length, 8], lengths);
    }

    [Theory]
    [InlineData(40, 20)] // a large read: forwarded in two halves, the first once half its bytes are handled
    [InlineData(100, 50)]
    [InlineData(10, null)] // a small read (fewer than SliceFrames frames): one flush, after the last frame
    [InlineData(16, null)] // exactly SliceFrames: its half is 8 frames, fewer than SliceFrames, so no mid-read flush
    public async Task LargeRead_IsHandedOnInTwoHalves_SmallReadOnce(int frames, int? flushedAfter)
    {
        var text = string.Concat(Enumerable.Range(0, frames).Select(i => $"{{\"id\":{i,4}}}\n"));
        // One read takes the whole input (65536 bytes per read), so every frame comes from the same read.
        var reader = new DedicatedThreadPipeReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), 65536, "test reader");
        var log = new List<string>();

        await new FrameReader(reader, 1 << 20).RunAsync((frame, _) =>
        {
            log.Add("frame");
            return ValueTask.CompletedTask;
        }, () =>
        {
            log.Add("flush");
            return ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).WaitAsync(Generous, TestContext.Current.CancellationToken);

        var expected = Enumerable.Repeat("frame", frames).ToList();
        if (flushedAfter is { } half)
        {
            expected.Insert(half, "flush");
        }

        // The read's own flush, then the end of the stream's.
        expected.AddRange(["flush", "flush"]);
        Assert.Equal(expected, log);
    }

    [Fact]
    public async Task StalledConsumer_StreamIsNotReadAhead()
    {
        var stream = new EndlessStream();
        var reader = new DedicatedThreadPipeReader(stream, 4096, "test reader");

        var first = await reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Generous, TestContext.Current.CancellationToken);
        Assert.True(first.Buffer.Length > 0);
        reader.AdvanceTo(first.Buffer.End);

        // The consumer does not ask again (as when its peer stops reading): the thread must not keep reading. A
        // reader without flow control would have read megabytes within this time.
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.InRange(stream.Reads, 1, 2);

        // Asking again reads again.
        var second = await reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Generous, TestContext.Current.CancellationToken);
        Assert.True(second.Buffer.Length > 0);
        Assert.InRange(stream.Reads, 2, 3);
        reader.Complete();
    }

    [Fact]
    public async Task Cancellation_EndsTheConsumer_WhileTheThreadIsBlockedInRead()
    {
        var pipe = new Pipe();
        var reader = new DedicatedThreadPipeReader(pipe.Reader.AsStream(), 4096, "test reader");
        using var cts = new CancellationTokenSource();

        var pump = new FrameReader(reader, 4096).RunAsync((_, _) => ValueTask.CompletedTask, () => ValueTask.CompletedTask, cts.Token);
        Assert.False(pump.IsCompleted);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump.WaitAsync(Generous, TestContext.Current.CancellationToken));
        pipe.Writer.Complete();
    }

    [Fact]
    public async Task StreamFailure_ReachesTheConsumer()
    {
        var reader = new DedicatedThreadPipeReader(new FailingStream(), 4096, "test reader");
        var ex = await Assert.ThrowsAsync<IOException>(() =>
            reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Generous, TestContext.Current.CancellationToken));
        Assert.Equal("broken pipe (test)", ex.Message);
    }

    private sealed class EndlessStream : ReadOnlyTestStream
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public override int Read(Span<byte> buffer)
        {
            Interlocked.Increment(ref _reads);
            buffer.Fill((byte)'{');
            return buffer.Length;
        }
    }

    private sealed class FailingStream : ReadOnlyTestStream
    {
        public override int Read(Span<byte> buffer) => throw new IOException("broken pipe (test)");
    }

    private abstract class ReadOnlyTestStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public abstract override int Read(Span<byte> buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
