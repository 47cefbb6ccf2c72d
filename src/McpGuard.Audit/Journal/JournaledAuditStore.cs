using McpGuard.Core.Secrets;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace McpGuard.Audit.Journal;

/// <summary>
/// The audit sink `mcpguard run` uses: the same SQLite hash chain as <see cref="SqliteAuditStore"/>, with a process
/// journal in front of it. An append is committed when its record is written to this process's journal
/// (<see cref="AuditJournalWriter"/>: one write per flush of the proxy, no file lock, no SQLite transaction), and a
/// background thread chains and inserts the journal into the database in batches (<see cref="AuditJournalImporter"/>)
/// every <see cref="SqliteAuditStoreOptions.ImportInterval"/>. Why: a SQLite commit costs a dozen system calls and
/// tens of microseconds, paid twice per tool call while the assistant waits; the journal write costs one.
/// <para>
/// Durability is unchanged: a record is in the page cache before its message is forwarded, so a kill at any moment
/// loses nothing forwarded. A journal left by a killed process is imported by the next process that opens the
/// database, `audit verify/show/export` included (<see cref="AuditLogReader.Open"/>). With
/// <see cref="AuditSynchronous.Full"/> each journal write is also flushed to the disk.
/// </para>
/// <para>Secrets: as in <see cref="SqliteAuditStore"/>, every event is redacted before anything is written.</para>
/// <para>
/// Import problems (a damaged or cut-short journal, an unusable database) go to the <c>reportProblem</c> callback
/// given to <see cref="Open"/>, each text once, when first found: at open, on a background tick, or at dispose. A
/// journal is imported once, so a problem a tick finds and nobody hears of is lost for good; and a lock that persists
/// fails every tick with the same text, which must not become a line every 200 ms.
/// </para>
/// </summary>
public sealed class JournaledAuditStore : IAuditSink
{
    [ThreadStatic]
    private static AuditRecordEncoder? t_encoder;

    // The import's own handle (AuditSchema.OpenForImport: no per-call mutex); used only under _importLock.
    private readonly sqlite3 _db;
    private readonly SqliteAppendStatements _statements;
    private readonly AuditJournalImporter _importer;
    private readonly ISecretRedactor _redactor;
    private readonly SqliteAuditStoreOptions _options;
    private readonly WalCheckpointer _checkpointer;
    private readonly string _journalDirectory;
    private readonly Action<string>? _reportProblem;

    // Problem texts already reported (only under _importLock, or in the constructor), and those found but not yet
    // handed to _reportProblem: the callback runs after _importLock is released, so a slow stderr never holds up
    // DisposeAsync or a reader's import in this process.
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _unreported = new();
    private bool _tooManyProblems;

    /// <summary>
    /// At most this many different problem texts are remembered and reported per store: texts are a few per journal
    /// and per failure kind, so this is only reached by something pathological, which must not grow the memory of a
    /// week-long session; one last line says that further problems are not printed.
    /// </summary>
    internal const int MaxReportedProblems = 256;

    // Guards the journal writer, the open batch and the failure; held for a buffer copy or one write.
    private readonly Lock _journalLock = new();
    private AuditJournalWriter _journal;
    private TaskCompletionSource? _batch;
    private AuditWriteException? _failure;
    private readonly TaskCompletionSource<AuditWriteException> _failedForGood = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guards the database connection: the import thread and DisposeAsync.
    private readonly Lock _importLock = new();
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _importThread;
    private long _importedThrough;
    private int _disposed;

    private JournaledAuditStore(string path, sqlite3 db, ISecretRedactor redactor, SqliteAuditStoreOptions options, Action<string>? reportProblem)
    {
        Path = path;
        _reportProblem = reportProblem;
        _db = db;
        _redactor = redactor;
        _options = options;
        _journalDirectory = AuditJournalFormat.DirectoryFor(path);
        _statements = new SqliteAppendStatements(db);
        _importer = new AuditJournalImporter(_statements, _journalDirectory);
        _checkpointer = new WalCheckpointer(path, options.CheckpointInterval);

        // Journals of processes that died since the last open go into the chain before this one starts its own.
        Keep(TryImport());
        try
        {
            _journal = AuditJournalWriter.Create(_journalDirectory);
        }
        catch
        {
            // Open disposes the handle; the checkpointer's timer and the statements are this constructor's.
            _checkpointer.Dispose();
            _statements.Dispose();
            throw;
        }

        _importThread = new Thread(ImportLoop) { IsBackground = true, Name = "mcpguard-audit-import" };
        _importThread.Start();
        ReportNew();
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating when missing, with 0600 permissions and a 0700 folder) the audit database at
    /// <paramref name="path"/> and starts this process's journal beside it. Throws <see cref="Core.UserInputException"/>
    /// when the file is not an audit database or the folder cannot be written. <paramref name="reportProblem"/> gets
    /// each import problem (one sentence naming files, offsets and counts, never a record's content) once, when first
    /// found: during this call, then on the background import thread, then during <see cref="DisposeAsync"/>. It must
    /// be thread-safe and must not throw (an exception would end the import thread).
    /// </summary>
    public static JournaledAuditStore Open(string path, ISecretRedactor redactor, SqliteAuditStoreOptions? options = null, Action<string>? reportProblem = null)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        options ??= new SqliteAuditStoreOptions { Synchronous = AuditSynchronous.Normal };
        options.Validate();
        var full = System.IO.Path.GetFullPath(path);
        sqlite3 db;
        try
        {
            // The database itself never needs an fsync per commit here: the journal is the commit point. The first
            // connection checks the file and puts the schema in place; the import then uses a handle of its own.
            var databaseOptions = options with { Synchronous = AuditSynchronous.Normal };
            using (AuditSchema.OpenForWriting(full, databaseOptions))
            {
                db = AuditSchema.OpenForImport(full, databaseOptions);
            }
        }
        catch (SqliteException ex)
        {
            throw new Core.UserInputException($"cannot open audit database {full}: {ex.Message}", ex);
        }

        try
        {
            return new JournaledAuditStore(full, db, redactor, options, reportProblem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            db.Dispose();
            throw new Core.UserInputException($"cannot write the audit journal beside {full}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the event to the journal now; completes once it is written (cancellation is not needed: it never waits for another thread).</summary>
    public ValueTask AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) => Append(auditEvent, deferred: false);

    /// <summary>
    /// Buffers an event until <see cref="CommitPendingNow"/> (the proxy calls it once per flush), so a read buffer's
    /// frames share one journal write. The returned task completes when that write did.
    /// </summary>
    public ValueTask AppendDeferredAsync(AuditEvent auditEvent) => Append(auditEvent, deferred: true);

    private ValueTask Append(AuditEvent auditEvent, bool deferred)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var record = (t_encoder ??= new AuditRecordEncoder()).Encode(auditEvent, _redactor);
        lock (_journalLock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            _journal.Add(record.Span);
            if (!deferred)
            {
                return CommitLocked() is { } failed ? ValueTask.FromException(failed) : ValueTask.CompletedTask;
            }

            _batch ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask(_batch.Task);
        }
    }

    /// <summary>
    /// Completes with the first failed journal write, whoever's append it was (the proxy's or the egress proxy's):
    /// from then on every append fails. Not completed by <see cref="DisposeAsync"/>: a closed store is not a failure.
    /// </summary>
    public Task<AuditWriteException> FailedForGood => _failedForGood.Task;

    /// <summary>Writes every buffered event to the journal now, on this thread.</summary>
    public void CommitPendingNow()
    {
        lock (_journalLock)
        {
            CommitLocked();
        }
    }

    /// <summary>Imports this process's journal into the database now (tests, and `run` before it exits).</summary>
    internal void ImportNow()
    {
        lock (_importLock)
        {
            Keep(TryImport());
        }

        ReportNew();
    }

    /// <summary>Writes the buffer; completes (or fails, for good) the open batch. Caller holds _journalLock.</summary>
    private AuditWriteException? CommitLocked()
    {
        var batch = _batch;
        _batch = null;
        if (_failure is null)
        {
            try
            {
                _journal.Commit();
                if (_options.Synchronous == AuditSynchronous.Full)
                {
                    _journal.FlushToDisk();
                }
            }
            catch (Exception ex)
            {
                // Fail closed, for good, whatever the failure: the proxy forwards nothing whose event could not be
                // written, and a journal with a failed write is not appended to again. (Letting any exception escape
                // instead would leave the open batch's waiters hanging and retry the write on the next flush.)
                _failure = new AuditWriteException($"audit journal write to {_journal.Path} failed: {ex.Message}", ex);
                _failedForGood.TrySetResult(_failure);
            }
        }

        if (_failure is not null)
        {
            batch?.TrySetException(_failure);
            return _failure;
        }

        batch?.TrySetResult();
        return null;
    }

    private void ImportLoop()
    {
        while (!_stop.Wait(_options.ImportInterval))
        {
            var committed = Volatile.Read(ref _journal).CommittedLength;
            if (committed == Interlocked.Read(ref _importedThrough))
            {
                continue; // nothing new since the last import: an idle proxy costs no database work
            }

            lock (_importLock)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                Keep(TryImport());
                Interlocked.Exchange(ref _importedThrough, committed);
                RotateIfLarge();
            }

            ReportNew();
        }
    }

    /// <summary>
    /// Starts a new journal once this one passed <see cref="SqliteAuditStoreOptions.JournalRotateBytes"/>: the old file is
    /// closed (no longer live) and the next import finishes and deletes it, so a long session's journal stays small.
    /// </summary>
    private void RotateIfLarge()
    {
        if (_journal.CommittedLength < _options.JournalRotateBytes)
        {
            return;
        }

        AuditJournalWriter next;
        try
        {
            next = AuditJournalWriter.Create(_journalDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // keep writing the old one; rotation is retried after the next import
        }

        lock (_journalLock)
        {
            CommitLocked();
            var old = _journal;
            Volatile.Write(ref _journal, next);
            old.Dispose();
        }

        Keep(TryImport());
        Interlocked.Exchange(ref _importedThrough, 0);
    }

    /// <summary>Queues the problems not reported before. Caller holds _importLock (or is the constructor).</summary>
    private void Keep(IReadOnlyList<string> problems)
    {
        foreach (var problem in problems)
        {
            if (_reported.Count < MaxReportedProblems)
            {
                if (_reported.Add(problem))
                {
                    _unreported.Enqueue(problem);
                }
            }
            else if (!_tooManyProblems)
            {
                _tooManyProblems = true;
                _unreported.Enqueue($"more than {MaxReportedProblems} different audit import problems in this session; further ones are not reported.");
            }
        }
    }

    /// <summary>Hands the queued problems to the callback, outside _importLock.</summary>
    private void ReportNew()
    {
        while (_unreported.TryDequeue(out var problem))
        {
            _reportProblem?.Invoke(problem);
        }
    }

    /// <summary>
    /// Imports every journal; a failure is kept as a problem and retried on the next tick (the records are safe in the
    /// journal). <paramref name="final"/>: the import at exit, after which only the next process can retry.
    /// </summary>
    private IReadOnlyList<string> TryImport(bool final = false)
    {
        try
        {
            var result = _importer.ImportAll();
            if (result.Imported > 0)
            {
                _checkpointer.Committed();
            }

            return result.Problems;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            var next = final
                ? $"the records stay in {_journalDirectory}; the next mcpguard that opens the audit log imports them"
                : "retried later; the records stay in the journals";
            return [$"importing the audit journals into {Path} failed ({next}): {ex.Message}"];
        }
    }

    /// <summary>Writes what is buffered, imports the whole journal, deletes it and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Set();
        await Task.Run(_importThread.Join).ConfigureAwait(false);
        lock (_journalLock)
        {
            CommitLocked();
            _failure ??= new AuditWriteException($"the audit store {Path} is closed");
            _journal.Dispose();
        }

        lock (_importLock)
        {
            // The journal is closed, so it is no longer live: this import finishes and deletes it. If it fails, the
            // file stays and the next process that opens the database imports it.
            Keep(TryImport(final: true));
            _checkpointer.Dispose();
            _statements.Dispose();
            _db.Dispose();
        }

        ReportNew();

        _stop.Dispose();
    }
}
