using System.IO.Pipelines;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// A <see cref="PipeReader"/> over a stream, fed by one dedicated thread that does blocking reads and hands each
/// chunk to the consumer inline: the consumer's continuation (framing, judging, writing to the other peer) runs on
/// that same thread, right after the read returns.
/// </summary>
/// <remarks>
/// Why not <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/>: on Unix a child's stdout is a socket-backed
/// pipe whose read completions arrive on the socket engine's epoll thread and are then queued to a pool worker, a
/// thread hop per read; pool workers also spin (sched_yield) waiting for more work. On a 2-core machine shared by
/// client, proxy and server that spinning takes CPU from the peers (bench/README.md, "Frame pump").
/// Flow control: the thread reads only after the consumer asked for data (<see cref="ReadAsync"/>) since its last
/// read, so unread data is bounded as with a stream reader: at most one partial frame (itself bounded by the frame
/// limit) plus a read or two, even when the consumer is stalled by a peer that does not read.
/// A read blocked in the kernel cannot be cancelled: cancelling <see cref="ReadAsync"/> or completing this reader ends
/// the consumer at once; the thread (a background thread) leaves at the next read's end (EOF when the process exits or
/// the stream closes) without delivering anything more.
/// </remarks>
internal sealed class DedicatedThreadPipeReader : PipeReader
{
    private readonly Stream _stream;
    private readonly int _readSize;
    private readonly string _threadName;
    private readonly Pipe _pipe;

    // Set by the consumer when it wants data; the thread waits on it before each read. No spinning: the consumer sets
    // it from this thread in the common case (inline), and a waiting thread is woken only after the consumer was
    // away (stalled on a peer), where a wake-up costs nothing that matters.
    private readonly ManualResetEventSlim _demand = new(false, spinCount: 1);
    private int _started;
    private volatile bool _consumerDone;

    public DedicatedThreadPipeReader(Stream stream, int readSize, string threadName)
    {
        _stream = stream;
        _readSize = readSize;
        _threadName = threadName;

        // No pause threshold: the demand signal above is the flow control (a pause threshold below the frame limit
        // would deadlock on a frame larger than it; one above it would let a stalled consumer buffer 16 MiB of
        // small frames). Inline schedulers: the consumer runs on the reading thread, which is the point.
        _pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            resumeWriterThreshold: 0,
            minimumSegmentSize: readSize,
            useSynchronizationContext: false));
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        Demand();
        return _pipe.Reader.ReadAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        Demand();
        return _pipe.Reader.TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed) => _pipe.Reader.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _pipe.Reader.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _pipe.Reader.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        _consumerDone = true;
        _pipe.Reader.Complete(exception);

        // Wake a waiting thread so it leaves instead of reading again for nobody.
        _demand.Set();
    }

    private void Demand()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            // Started on the first read, not in the constructor: nothing is read before the session runs.
            var thread = new Thread(Run) { IsBackground = true, Name = _threadName };
            thread.UnsafeStart();
        }

        _demand.Set();
    }

    private void Run()
    {
        var writer = _pipe.Writer;
        try
        {
            while (true)
            {
                _demand.Wait();
                _demand.Reset();
                if (_consumerDone)
                {
                    break;
                }

                var memory = writer.GetMemory(_readSize);
                var read = _stream.Read(memory.Span);
                if (read == 0 || _consumerDone)
                {
                    break;
                }

                writer.Advance(read);

                // Runs the consumer inline when it is waiting; completes at once (no pause threshold) otherwise.
                var flush = writer.FlushAsync();
                var result = flush.IsCompleted ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted)
                {
                    break;
                }
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            // Any failure (the stream closed under us, a broken pipe) reaches the consumer as its read's exception,
            // as with a stream reader; an exception escaping a thread would end the whole process instead.
            writer.Complete(ex);
        }
    }
}
