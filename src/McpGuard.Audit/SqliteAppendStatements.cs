using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace McpGuard.Audit;

/// <summary>
/// The append transaction as prepared statements on the raw SQLite handle: BEGIN IMMEDIATE, read the chain head,
/// insert each record, move the head, COMMIT. The proxy commits once per forwarded batch, so this runs per message;
/// binding UTF-8 spans directly skips Microsoft.Data.Sqlite's per-parameter conversions (about half the cost of a
/// commit, bench/README.md "audit"). Used under the store's commit lock only.
/// </summary>
internal sealed class SqliteAppendStatements : IDisposable
{
    private const int Hex = 64;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _commit;
    private readonly sqlite3_stmt _head;
    private readonly sqlite3_stmt _tail;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _setHead;
    private readonly AuditRecordHasher _hasher = new();
    private readonly byte[] _prev = new byte[32];
    private readonly byte[] _hash = new byte[32];
    private readonly byte[] _prevHex = new byte[Hex];
    private readonly byte[] _hashHex = new byte[Hex];

    public SqliteAppendStatements(SqliteConnection connection)
    {
        _db = connection.Handle!;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _head = Prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
        _tail = Prepare("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        _insert = Prepare($"INSERT INTO audit_log ({AuditSchema.Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
        _setHead = Prepare("INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)");
    }

    /// <summary>Writes <paramref name="batch"/> in one transaction after the current head; returns the first sequence.</summary>
    public long Append(IReadOnlyList<PreparedAuditRecord> batch)
    {
        // BEGIN IMMEDIATE takes the write lock before the head is read, so no other process can append between
        // reading the head and writing after it (several `mcpguard run` share one file).
        Step(_begin);
        try
        {
            var seq = ReadHead();
            var first = seq + 1;
            foreach (var r in batch)
            {
                seq++;
                _hasher.Hash(_prev, r, seq, _hash);
                Convert.TryToHexStringLower(_hash, _hashHex, out _);
                Check(raw.sqlite3_bind_int64(_insert, 1, seq));
                for (var field = AuditRecordHasher.Field.Time; field <= AuditRecordHasher.Field.RuleId; field++)
                {
                    // Columns 2..11 are the text fields in table order, as the hasher encoded them.
                    var column = (int)field + 2;
                    Check(_hasher.TryGetField(field, out var value) ? raw.sqlite3_bind_text(_insert, column, value) : raw.sqlite3_bind_null(_insert, column));
                }

                Check(r.Details is null ? raw.sqlite3_bind_null(_insert, 12) : raw.sqlite3_bind_text(_insert, 12, r.Details));
                Check(raw.sqlite3_bind_text(_insert, 13, _prevHex));
                Check(raw.sqlite3_bind_text(_insert, 14, _hashHex));
                Step(_insert);
                _hash.CopyTo(_prev, 0);
                _hashHex.CopyTo(_prevHex, 0);
            }

            Check(raw.sqlite3_bind_int64(_setHead, 1, seq));
            Check(raw.sqlite3_bind_text(_setHead, 2, _prevHex));
            Step(_setHead);
            Step(_commit);
            return first;
        }
        catch
        {
            if (raw.sqlite3_get_autocommit(_db) == 0)
            {
                raw.sqlite3_exec(_db, "ROLLBACK");
            }

            throw;
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

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    public void Dispose()
    {
        foreach (var statement in (ReadOnlySpan<sqlite3_stmt>)[_begin, _commit, _head, _tail, _insert, _setHead])
        {
            statement.Dispose();
        }
    }
}
