using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using McpGuard.Runtime.Proxy;

namespace McpGuard.Runtime.Tests.Proxy;

/// <summary>The proxy's writes to a peer happen on the flushing thread, and a failed write surfaces to the flusher.</summary>
public sealed class SynchronousWriteStreamTests
{
    [Fact]
    public async Task PipeWriterFlush_WritesOnTheCallingThread_AndCompletesSynchronously()
    {
        var target = new RecordingStream();
        var writer = PipeWriter.Create(new SynchronousWriteStream(target));
        writer.Write("{\"id\":1}\n"u8);

        var flush = writer.FlushAsync(TestContext.Current.CancellationToken);

        Assert.True(flush.IsCompletedSuccessfully);
        Assert.Equal(Environment.CurrentManagedThreadId, target.WriterThread);
        Assert.Equal("{\"id\":1}\n", Encoding.UTF8.GetString(target.ToArray()));
        await writer.CompleteAsync();
    }

    [Fact]
    public async Task FailedWrite_FaultsTheFlush()
    {
        var writer = PipeWriter.Create(new SynchronousWriteStream(new BrokenStream()));
        writer.Write("x\n"u8);
        var ex = await Assert.ThrowsAsync<IOException>(async () => await writer.FlushAsync(TestContext.Current.CancellationToken));
        Assert.Equal("peer gone (test)", ex.Message);
    }

    private sealed class RecordingStream : MemoryStream
    {
        public int WriterThread { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            WriterThread = Environment.CurrentManagedThreadId;
            base.Write(buffer);
        }
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("peer gone (test)");
    }
}
