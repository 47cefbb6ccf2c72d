using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using McpGuard.Core.Secrets;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit;

/// <summary>
/// The default audit sink: an append-only, hash-chained table in a SQLite database in WAL mode.
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
    private static readonly JsonSerializerOptions s_detailsJson = new()
    {
        // Readable details (no \u003C for '<'); the text is stored and hashed as is, never re-serialised.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private readonly SqliteConnection _connection;
    private readonly ISecretRedactor _redactor;
    private readonly SqliteAuditStoreOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Whoever writes (the writer thread, or a caller of CommitPendingNow) holds this lock; the statements and the
    // connection are used under it only. _closed is set under it before the connection is disposed.
    private readonly Lock _commitLock = new();

    // Appends queued by AppendDeferredAsync: not watched by the writer thread, committed by CommitPendingNow.
    private readonly ConcurrentQueue<Pending> _deferred = new();
    private readonly List<Pending> _batch;
    private Statements? _statements;
    private bool _closed;
    private int _disposed;

    private SqliteAuditStore(string path, SqliteConnection connection, ISecretRedactor redactor, SqliteAuditStoreOptions options)
    {
        Path = path;
        _connection = connection;
        _redactor = redactor;
        _options = options;
        _batch = new List<Pending>(options.MaxBatchSize);
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
        var pending = new Pending(ToRecord(auditEvent));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteAuditStore));
        }

        // Cancelling stops the wait, not the write: the event may still be committed, which errs on the side of an
        // audited-but-not-forwarded message, never the reverse.
        return new ValueTask<long>(cancellationToken.CanBeCanceled ? pending.Done.Task.WaitAsync(cancellationToken) : pending.Done.Task);
    }

    /// <summary>
    /// Queues an event without waking the writer thread, for a caller that calls <see cref="CommitPendingNow"/> before
    /// it waits (the proxy, once per flush): saves a thread wake-up per message. With
    /// <see cref="AuditSynchronous.Full"/> it is <see cref="AppendAsync"/> (the writer thread does the fsync).
    /// </summary>
    public ValueTask AppendDeferredAsync(AuditEvent auditEvent)
    {
        if (_options.Synchronous != AuditSynchronous.Normal)
        {
            return AppendAsync(auditEvent, CancellationToken.None);
        }

        ArgumentNullException.ThrowIfNull(auditEvent);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new Pending(ToRecord(auditEvent));
        _deferred.Enqueue(pending);
        if (Volatile.Read(ref _closed))
        {
            // Lost a race with DisposeAsync: fail instead of leaving the caller waiting for a commit that never comes.
            FailDeferred();
        }

        return new ValueTask(pending.Done.Task);
    }

    /// <summary>
    /// Commits every queued event now, on the calling thread, when the store does not fsync
    /// (<see cref="AuditSynchronous.Normal"/>: a commit is a few tens of microseconds of file writes). The proxy calls
    /// this before it forwards, so it does not wait for two thread switches (to the writer and back) per message.
    /// With <see cref="AuditSynchronous.Full"/> it does nothing: an fsync must not block the caller's (pool) thread.
    /// </summary>
    public void CommitPendingNow()
    {
        if (_options.Synchronous != AuditSynchronous.Normal)
        {
            return;
        }

        lock (_commitLock)
        {
            CommitQueued();
        }
    }

    /// <summary>Redacts and converts an event to an unchained record (seq and hashes filled in by the writer).</summary>
    internal AuditRecord ToRecord(AuditEvent e)
    {
        string? details = null;
        if (e.Details is not null)
        {
            // Redact a copy: the caller's object is theirs.
            var copy = e.Details.DeepClone();
            _redactor.RedactInPlace(copy);
            details = copy.ToJsonString(s_detailsJson);
        }

        return new AuditRecord
        {
            Seq = 0,
            Time = AuditCanonicalForm.FormatTime(e.Time),
            Kind = AuditCanonicalForm.Sanitize(e.Kind)!,
            Server = AuditCanonicalForm.Sanitize(e.Server),
            Direction = AuditCanonicalForm.Sanitize(e.Direction),
            Method = AuditCanonicalForm.Sanitize(e.Method),
            Tool = AuditCanonicalForm.Sanitize(e.Tool),
            RequestId = AuditCanonicalForm.Sanitize(e.RequestId is null ? null : _redactor.Redact(e.RequestId)),
            Decision = AuditCanonicalForm.Sanitize(e.Decision)!,
            Reason = AuditCanonicalForm.Sanitize(e.Reason is null ? null : _redactor.Redact(e.Reason)),
            RuleId = AuditCanonicalForm.Sanitize(e.RuleId),
            Details = AuditCanonicalForm.Sanitize(details),
            PrevHash = AuditCanonicalForm.GenesisHash,
            EntryHash = AuditCanonicalForm.GenesisHash,
        };
    }

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
            while (_batch.Count < _options.MaxBatchSize && (_deferred.TryDequeue(out var item) || reader.TryRead(out item)))
            {
                _batch.Add(item);
            }

            if (_batch.Count == 0)
            {
                return;
            }

            try
            {
                _statements ??= new Statements(_connection);
                var first = WriteBatch(_batch, _statements);
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

    /// <summary>Writes the batch in one transaction and returns the sequence of its first record.</summary>
    private long WriteBatch(List<Pending> batch, Statements st)
    {
        // BEGIN IMMEDIATE takes the write lock before the head is read, so no other process can append between
        // reading the head and writing after it.
        using var tx = _connection.BeginTransaction(deferred: false);
        st.Head.Transaction = st.Tail.Transaction = st.Insert.Transaction = st.SetHead.Transaction = tx;
        var (seq, prev) = ReadHead(st.Head, st.Tail);
        var p = st.Parameters;
        foreach (var item in batch)
        {
            seq++;
            var r = item.Record with { Seq = seq, PrevHash = prev };
            var hash = AuditCanonicalForm.ComputeHash(prev, r);
            p[0].Value = seq;
            p[1].Value = r.Time;
            p[2].Value = r.Kind;
            p[3].Value = (object?)r.Server ?? DBNull.Value;
            p[4].Value = (object?)r.Direction ?? DBNull.Value;
            p[5].Value = (object?)r.Method ?? DBNull.Value;
            p[6].Value = (object?)r.Tool ?? DBNull.Value;
            p[7].Value = (object?)r.RequestId ?? DBNull.Value;
            p[8].Value = r.Decision;
            p[9].Value = (object?)r.Reason ?? DBNull.Value;
            p[10].Value = (object?)r.RuleId ?? DBNull.Value;
            p[11].Value = (object?)r.Details ?? DBNull.Value;
            p[12].Value = prev;
            p[13].Value = hash;
            st.Insert.ExecuteNonQuery();
            prev = hash;
        }

        st.HeadSeq.Value = seq;
        st.HeadHash.Value = prev;
        st.SetHead.ExecuteNonQuery();
        tx.Commit();
        return seq - batch.Count + 1;
    }

    private static (long Seq, string Hash) ReadHead(SqliteCommand head, SqliteCommand tail)
    {
        using (var r = head.ExecuteReader())
        {
            if (r.Read())
            {
                return (r.GetInt64(0), r.GetString(1));
            }
        }

        // The head row is gone (someone edited the file): continue after the last record; verify reports the
        // missing head. Appending still works, because refusing would stop every guarded server.
        using (var r = tail.ExecuteReader())
        {
            if (r.Read())
            {
                return (r.GetInt64(0), r.GetString(1));
            }
        }

        return (0, AuditCanonicalForm.GenesisHash);
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
            // The writer thread has drained the queue; a late CommitPendingNow must not touch a closed connection.
            CommitQueued();
            Volatile.Write(ref _closed, true);
            _statements?.Dispose();
            _connection.Dispose();
        }

        FailDeferred();
    }

    private void FailDeferred()
    {
        while (_deferred.TryDequeue(out var item))
        {
            item.Done.TrySetException(new ObjectDisposedException(nameof(SqliteAuditStore)));
        }
    }

    /// <summary>The prepared statements of the append transaction, created once on first use.</summary>
    private sealed class Statements : IDisposable
    {
        public Statements(SqliteConnection connection)
        {
            Head = connection.CreateCommand();
            Head.CommandText = "SELECT seq, hash FROM audit_head WHERE id = 1";
            Tail = connection.CreateCommand();
            Tail.CommandText = "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1";
            Insert = connection.CreateCommand();
            Insert.CommandText = $"INSERT INTO audit_log ({AuditSchema.Columns}) VALUES ($seq, $time, $kind, $server, $direction, $method, $tool, $request_id, $decision, $reason, $rule_id, $details, $prev_hash, $entry_hash)";
            // In column order: WriteBatch fills them by index.
            Parameters = [.. AuditSchema.Columns.Split(", ").Select(name => Insert.Parameters.Add("$" + name, name == "seq" ? SqliteType.Integer : SqliteType.Text))];
            SetHead = connection.CreateCommand();
            SetHead.CommandText = "INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, $seq, $hash)";
            HeadSeq = SetHead.Parameters.Add("$seq", SqliteType.Integer);
            HeadHash = SetHead.Parameters.Add("$hash", SqliteType.Text);
        }

        public SqliteCommand Head { get; }
        public SqliteCommand Tail { get; }
        public SqliteCommand Insert { get; }
        public SqliteParameter[] Parameters { get; }
        public SqliteCommand SetHead { get; }
        public SqliteParameter HeadSeq { get; }
        public SqliteParameter HeadHash { get; }

        public void Dispose()
        {
            Head.Dispose();
            Tail.Dispose();
            Insert.Dispose();
            SetHead.Dispose();
        }
    }

    private sealed class Pending(AuditRecord record)
    {
        public AuditRecord Record { get; } = record;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>An audit event could not be committed; the message it describes must not be forwarded.</summary>
public sealed class AuditWriteException(string message, Exception? inner = null) : Exception(message, inner);
