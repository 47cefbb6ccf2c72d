using System.Threading.Channels;
using McpGuard.Core.Secrets;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit;

/// <summary>
/// An audit sink that commits straight to the database: an append-only, hash-chained table in a SQLite database in
/// WAL mode, fsynced per commit by default. For commands that append a handful of events; `mcpguard run`, which
/// appends two per tool call while the assistant waits, uses <see cref="Journal.JournaledAuditStore"/> in front of
/// the same table.
/// <para>
/// One writer thread per store drains a queue of pending appends, so concurrent callers are serialised and a burst
/// of them shares one transaction (one fsync). Each <see cref="AppendAsync"/> completes only after the transaction
/// holding its record committed. Every transaction is BEGIN IMMEDIATE and reads the chain head inside it, so
/// several processes appending to one file keep one valid chain.
/// </para>
/// <para>
/// Secrets: <see cref="AuditEvent.Reason"/>, <see cref="AuditEvent.RequestId"/> and <see cref="AuditEvent.Details"/>
/// pass through the <see cref="ISecretRedactor"/> before they are hashed or written (callers redact too; this is the
/// last line), so no secret the redactor recognises ever reaches the file.
/// </para>
/// </summary>
public sealed class SqliteAuditStore : IAuditSink
{
    [ThreadStatic]
    private static AuditRecordEncoder? t_encoder;

    private readonly SqliteConnection _connection;
    private readonly ISecretRedactor _redactor;
    private readonly SqliteAuditStoreOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Whoever writes (the writer thread, or DisposeAsync) holds this lock; the statements and the
    // connection are used under it only. _closed is set under it before the connection is disposed.
    private readonly Lock _commitLock = new();

    private readonly List<Pending> _batch;
    private readonly List<ReadOnlyMemory<byte>> _records;
    private readonly WalCheckpointer _checkpointer;
    private SqliteAppendStatements? _statements;
    private bool _closed;
    private int _disposed;

    private SqliteAuditStore(string path, SqliteConnection connection, ISecretRedactor redactor, SqliteAuditStoreOptions options)
    {
        Path = path;
        _connection = connection;
        _redactor = redactor;
        _options = options;
        _batch = new List<Pending>(options.MaxBatchSize);
        _records = new List<ReadOnlyMemory<byte>>(options.MaxBatchSize);
        _checkpointer = new WalCheckpointer(path, options.CheckpointInterval);
        // A dedicated thread: Microsoft.Data.Sqlite is synchronous underneath, and an fsync must not block a pool thread.
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "mcpguard-audit-writer" };
        _writer.Start();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating when missing, with 0600 permissions and a 0700 folder) the audit database at
    /// <paramref name="path"/>. Throws <see cref="Core.UserInputException"/> when the file is not an audit database.
    /// </summary>
    public static SqliteAuditStore Open(string path, ISecretRedactor redactor, SqliteAuditStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        options ??= new SqliteAuditStoreOptions();
        options.Validate();
        var full = System.IO.Path.GetFullPath(path);
        SqliteConnection connection;
        try
        {
            connection = AuditSchema.OpenForWriting(full, options);
        }
        catch (SqliteException ex)
        {
            throw new Core.UserInputException($"cannot open audit database {full}: {ex.Message}", ex);
        }

        return new SqliteAuditStore(full, connection, redactor, options);
    }

    public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
        new(AppendWithSeqAsync(auditEvent, cancellationToken).AsTask());

    /// <summary>Like <see cref="AppendAsync"/>, and returns the sequence number the event was committed at.</summary>
    public ValueTask<long> AppendWithSeqAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Redaction and serialisation run on the caller's thread, so concurrent appenders do that work in parallel
        // and the single writer only hashes and inserts.
        var pending = new Pending(Prepare(auditEvent));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteAuditStore));
        }

        // Cancelling stops the wait, not the write: the event may still be committed, which errs on the side of an
        // audited-but-not-forwarded message, never the reverse.
        return new ValueTask<long>(cancellationToken.CanBeCanceled ? pending.Done.Task.WaitAsync(cancellationToken) : pending.Done.Task);
    }

    /// <summary>Redacts and encodes an event on the caller's thread (a copy: the queue outlives the thread's buffer).</summary>
    private byte[] Prepare(AuditEvent e) => (t_encoder ??= new AuditRecordEncoder()).Encode(e, _redactor).ToArray();

    private void WriterLoop()
    {
        try
        {
            RunWriter();
        }
        catch (Exception ex)
        {
            // The writer cannot go on (an error outside any one batch): fail every waiting and future
            // appender instead of leaving them hanging, and never take the host process down from this thread.
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var item))
            {
                item.Done.TrySetException(new AuditWriteException($"audit writer for {Path} stopped: {ex.Message}", ex));
            }
        }
        finally
        {
            // The writer thread is done with the connection; DisposeAsync may close it.
            _writerDone.TrySetResult();
        }
    }

    private void RunWriter()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            lock (_commitLock)
            {
                CommitQueued();
            }
        }
    }

    /// <summary>Writes everything queued, in batches of at most MaxBatchSize per transaction. Caller holds _commitLock.</summary>
    private void CommitQueued()
    {
        if (_closed)
        {
            // Disposed: DisposeAsync already let the writer commit everything queued before it closed the file.
            return;
        }

        var reader = _queue.Reader;
        while (true)
        {
            _batch.Clear();
            _records.Clear();
            while (_batch.Count < _options.MaxBatchSize && reader.TryRead(out var item))
            {
                _batch.Add(item);
                _records.Add(item.Record);
            }

            if (_batch.Count == 0)
            {
                return;
            }

            try
            {
                _statements ??= new SqliteAppendStatements(_connection.Handle!);
                var first = _statements.Append(_records);
                _checkpointer.Committed();
                for (var i = 0; i < _batch.Count; i++)
                {
                    _batch[i].Done.TrySetResult(first + i);
                }
            }
            catch (Exception ex)
            {
                // Fail closed: every appender of the failed transaction sees the error, so the proxy does not
                // forward a message whose event was not committed.
                foreach (var item in _batch)
                {
                    item.Done.TrySetException(new AuditWriteException($"audit write to {Path} failed: {ex.Message}", ex));
                }
            }
        }
    }

    /// <summary>Stops accepting events, lets the writer commit everything already queued, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writerDone.Task;
        lock (_commitLock)
        {
            // The writer thread has drained the queue; nothing may touch the connection after it is closed.
            CommitQueued();
            Volatile.Write(ref _closed, true);
            _checkpointer.Dispose();
            _statements?.Dispose();
            _connection.Dispose();
        }
    }

    private sealed class Pending(byte[] record)
    {
        public byte[] Record { get; } = record;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>An audit event could not be committed; the message it describes must not be forwarded.</summary>
public sealed class AuditWriteException(string message, Exception? inner = null) : Exception(message, inner);
