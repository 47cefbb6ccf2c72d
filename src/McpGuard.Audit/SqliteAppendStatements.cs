using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace McpGuard.Audit;

/// <summary>
/// The append transaction as prepared statements on the raw SQLite handle: BEGIN IMMEDIATE, read the chain head,
/// insert each record, move the head, COMMIT. Binding the encoded records' UTF-8 spans directly skips
/// Microsoft.Data.Sqlite's per-parameter conversions (about half the cost of a commit, bench/README.md "audit").
/// The journal import uses the same transaction in steps (<see cref="Begin"/>, <see cref="Insert"/>, the journal
/// offsets, <see cref="Commit"/>), so a journal's records and the offset that says they were imported commit together.
/// Not thread-safe: one owner at a time.
/// </summary>
internal sealed class SqliteAppendStatements : IDisposable
{
    private const int Hex = 64;

    // Records go in sixteen to a statement: one multi-row INSERT runs the statement machinery (step, reset, the
    // VDBE program's setup and the call into native code) once for sixteen rows. A remainder goes in one by one.
    private const int RowsPerInsert = 16;
    private const int ColumnsPerRow = 14;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _commit;
    private readonly sqlite3_stmt _head;
    private readonly sqlite3_stmt _tail;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _insertMany;
    private readonly sqlite3_stmt _setHead;
    private readonly sqlite3_stmt _journalOffset;
    private readonly sqlite3_stmt _setJournalOffset;
    private readonly AuditRecordHasher _hasher = new();
    private readonly byte[] _prev = new byte[32];
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _prevHex = new byte[Hex];
    private readonly byte[] _hashHex = new byte[Hex];
    private long _seq;

    // Rows chained but not yet inserted: their encoded bytes (copied: the caller's buffer is reused), sequence and
    // hashes. Inserted when sixteen are waiting, and before the commit.
    private readonly PendingRows _pending = new(RowsPerInsert);
    private readonly (int Start, int Length)[] _fields = new (int, int)[AuditRecordFields.Count];

    public SqliteAppendStatements(sqlite3 db)
    {
        _db = db;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _head = Prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
        _tail = Prepare("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        _insert = Prepare($"INSERT INTO audit_log ({AuditSchema.Columns}) VALUES {Placeholders(1)}");
        _insertMany = Prepare($"INSERT INTO audit_log ({AuditSchema.Columns}) VALUES {Placeholders(RowsPerInsert)}");
        _setHead = Prepare("INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)");
        _journalOffset = Prepare("SELECT imported FROM audit_journal WHERE name = ?1");
        _setJournalOffset = Prepare("INSERT OR REPLACE INTO audit_journal (name, imported) VALUES (?1, ?2)");
    }

    /// <summary>
    /// Writes <paramref name="batch"/> (encoded records, <see cref="AuditRecordEncoder"/>) in one transaction after
    /// the current head; returns the first sequence.
    /// </summary>
    public long Append(IReadOnlyList<ReadOnlyMemory<byte>> batch)
    {
        Begin();
        try
        {
            var first = _seq + 1;
            foreach (var record in batch)
            {
                Insert(record);
            }

            Commit();
            return first;
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>
    /// BEGIN IMMEDIATE and read the head. The write lock is taken before the head is read, so no other process can
    /// append between reading the head and writing after it (several `mcpguard run` share one file).
    /// </summary>
    public void Begin()
    {
        Step(_begin);
        try
        {
            _seq = ReadHead();
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>Chains one encoded record after the last (inserted by the commit at the latest); throws <see cref="InvalidDataException"/> when it is not a whole record.</summary>
    public void Insert(ReadOnlyMemory<byte> record)
    {
        var seq = _seq + 1;
        if (!_hasher.TryHash(_prev, record, seq, _hash))
        {
            throw new InvalidDataException("not a whole audit record");
        }

        Convert.TryToHexStringLower(_hash, _hashHex, out _);
        _pending.Add(record.Span, seq, _prevHex, _hashHex);
        _seq = seq;
        _hash.CopyTo(_prev, 0);
        _hashHex.CopyTo(_prevHex, 0);
        if (_pending.Count == RowsPerInsert)
        {
            InsertPending();
        }
    }

    private void InsertPending()
    {
        if (_pending.Count == RowsPerInsert)
        {
            for (var row = 0; row < RowsPerInsert; row++)
            {
                Bind(_insertMany, row * ColumnsPerRow, row);
            }

            Step(_insertMany);
        }
        else
        {
            for (var row = 0; row < _pending.Count; row++)
            {
                Bind(_insert, 0, row);
                Step(_insert);
            }
        }

        _pending.Clear();
    }

    /// <summary>Binds pending row <paramref name="row"/> to the columns after <paramref name="offset"/> of <paramref name="statement"/>.</summary>
    private void Bind(sqlite3_stmt statement, int offset, int row)
    {
        var (memory, seq, prevHex, hashHex) = _pending[row];
        var record = memory.Span;
        AuditRecordFields.TryParse(record, _fields); // parsed whole by TryHash before it was kept
        // Bound in place (PendingRows' arrays are pinned), so nothing is copied; the statement runs right after.
        Check(SqliteStaticBind.Int64(statement, offset + 1, seq));
        for (var field = 0; field < AuditRecordFields.Count; field++)
        {
            // Columns 2..12 are the fields in table order, as the encoder wrote them.
            var (start, length) = _fields[field];
            var column = offset + field + 2;
            Check(length < 0 ? SqliteStaticBind.Null(statement, column) : SqliteStaticBind.Text(statement, column, record.Slice(start, length)));
        }

        Check(SqliteStaticBind.Text(statement, offset + 13, prevHex.Span));
        Check(SqliteStaticBind.Text(statement, offset + 14, hashHex.Span));
    }

    /// <summary>How far (bytes) the journal <paramref name="name"/> was imported, or null when it never was.</summary>
    public long? JournalOffset(string name)
    {
        try
        {
            Check(raw.sqlite3_bind_text(_journalOffset, 1, name));
            var rc = raw.sqlite3_step(_journalOffset);
            if (rc == raw.SQLITE_ROW)
            {
                return raw.sqlite3_column_int64(_journalOffset, 0);
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return null;
        }
        finally
        {
            raw.sqlite3_reset(_journalOffset);
        }
    }

    /// <summary>Records, in the open transaction, that <paramref name="name"/> is imported up to <paramref name="offset"/>.</summary>
    public void SetJournalOffset(string name, long offset)
    {
        Check(raw.sqlite3_bind_text(_setJournalOffset, 1, name));
        Check(raw.sqlite3_bind_int64(_setJournalOffset, 2, offset));
        Step(_setJournalOffset);
    }

    /// <summary>Moves the head to the last inserted record and commits.</summary>
    public void Commit()
    {
        try
        {
            InsertPending();
            Check(raw.sqlite3_bind_int64(_setHead, 1, _seq));
            Check(raw.sqlite3_bind_text(_setHead, 2, _prevHex));
            Step(_setHead);
            Step(_commit);
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>Rolls back an open transaction (after a failure); nothing when none is open.</summary>
    public void Rollback()
    {
        _pending.Clear();
        if (raw.sqlite3_get_autocommit(_db) == 0)
        {
            raw.sqlite3_exec(_db, "ROLLBACK");
        }
    }

    /// <summary>Reads the chain head into _prev/_prevHex and returns its sequence.</summary>
    private long ReadHead()
    {
        // The head row is gone or damaged (someone edited the file): continue after the last record; verify reports
        // the break. Appending still works, because refusing would stop every guarded server.
        long? seq = null;
        foreach (var statement in (ReadOnlySpan<sqlite3_stmt>)[_head, _tail])
        {
            try
            {
                var rc = raw.sqlite3_step(statement);
                if (rc == raw.SQLITE_ROW)
                {
                    seq = Math.Max(seq ?? 0, raw.sqlite3_column_int64(statement, 0));
                    var hex = raw.sqlite3_column_blob(statement, 1);
                    if (hex.SequenceEqual(_prevHex))
                    {
                        // The head this store wrote last (the usual case: nobody else appended since): _prev holds it.
                        return seq.Value;
                    }

                    if (hex.Length == Hex
                        && Convert.FromHexString(hex, _prev, out _, out var written) == System.Buffers.OperationStatus.Done
                        && written == _prev.Length)
                    {
                        hex.CopyTo(_prevHex);
                        return seq.Value;
                    }
                }
                else if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, _db);
                }
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        Array.Clear(_prev);
        "0000000000000000000000000000000000000000000000000000000000000000"u8.CopyTo(_prevHex);
        return seq ?? 0;
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private void Check(int rc) => AuditSchema.Check(_db, rc);

    private static string Placeholders(int rows) => string.Join(", ", Enumerable.Range(0, rows).Select(row =>
        "(" + string.Join(", ", Enumerable.Range((row * ColumnsPerRow) + 1, ColumnsPerRow).Select(i => "?" + i)) + ")"));

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    public void Dispose()
    {
        foreach (var statement in (ReadOnlySpan<sqlite3_stmt>)[_begin, _commit, _head, _tail, _insert, _insertMany, _setHead, _journalOffset, _setJournalOffset])
        {
            statement.Dispose();
        }
    }
}

/// <summary>
/// Chained records waiting for their INSERT: bytes in one reused buffer, with their sequence and hashes. The arrays
/// are pinned: the INSERT binds them in place (<see cref="SqliteStaticBind"/>).
/// </summary>
internal sealed class PendingRows(int capacity)
{
    private const int Hex = 64;
    private const int InitialBytes = 16 * 1024;

    private readonly (int Start, int Length, long Seq)[] _rows = new (int, int, long)[capacity];
    private readonly byte[] _hashes = GC.AllocateUninitializedArray<byte>(capacity * 2 * Hex, pinned: true);
    private byte[] _bytes = GC.AllocateUninitializedArray<byte>(InitialBytes, pinned: true);
    private int _used;

    public int Count { get; private set; }

    public (ReadOnlyMemory<byte> Record, long Seq, ReadOnlyMemory<byte> PrevHex, ReadOnlyMemory<byte> HashHex) this[int row]
    {
        get
        {
            var (start, length, seq) = _rows[row];
            return (_bytes.AsMemory(start, length), seq, _hashes.AsMemory(row * 2 * Hex, Hex), _hashes.AsMemory((row * 2 * Hex) + Hex, Hex));
        }
    }

    public void Add(ReadOnlySpan<byte> record, long seq, ReadOnlySpan<byte> prevHex, ReadOnlySpan<byte> hashHex)
    {
        if (_bytes.Length - _used < record.Length)
        {
            var bigger = GC.AllocateUninitializedArray<byte>(Math.Max(_bytes.Length * 2, _used + record.Length), pinned: true);
            _bytes.AsSpan(0, _used).CopyTo(bigger);
            _bytes = bigger;
        }

        record.CopyTo(_bytes.AsSpan(_used));
        _rows[Count] = (_used, record.Length, seq);
        prevHex.CopyTo(_hashes.AsSpan(Count * 2 * Hex));
        hashHex.CopyTo(_hashes.AsSpan((Count * 2 * Hex) + Hex));
        _used += record.Length;
        Count++;
    }

    public void Clear()
    {
        Count = 0;
        _used = 0;
        if (_bytes.Length > 1024 * 1024)
        {
            _bytes = GC.AllocateUninitializedArray<byte>(InitialBytes, pinned: true); // a huge record grew it: give the memory back
        }
    }
}
