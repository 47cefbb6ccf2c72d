using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace McpGuard.Audit;

/// <summary>The SQLite layout of an audit database and how connections to it are opened (docs/audit.md).</summary>
internal static class AuditSchema
{
    public const string Format = "mcpguard-audit";
    public const string Version = "1";

    // seq is the rowid and is assigned by the writer from audit_head, never by AUTOINCREMENT: the head row
    // remembers the last sequence ever written, so a truncated tail followed by new appends leaves a visible gap.
    // The triggers make the table append-only for every ordinary client; someone who drops them can still edit
    // the file, which is what the hash chain and `mcpguard audit verify` are for.
    // audit_journal says how far each process journal (AuditJournalWriter) has been imported; a row is updated in the
    // transaction that inserts the journal's records, so an import is exactly once whoever runs it. Rows stay after
    // their journal is deleted (one small row per `run` session): a name is never reused, and keeping them means no
    // crash between commit and delete can ever import a journal twice.
    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS audit_log (
            seq INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            kind TEXT NOT NULL,
            server TEXT,
            direction TEXT,
            method TEXT,
            tool TEXT,
            request_id TEXT,
            decision TEXT NOT NULL,
            reason TEXT,
            rule_id TEXT,
            details TEXT,
            prev_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS audit_journal (name TEXT PRIMARY KEY, imported INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        INSERT OR IGNORE INTO audit_meta (key, value) VALUES ('format', 'mcpguard-audit'), ('version', '1');
        INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
        """;

    public const string Columns =
        "seq, time, kind, server, direction, method, tool, request_id, decision, reason, rule_id, details, prev_hash, entry_hash";

    /// <summary>Opens (creating when missing, 0600) a database for appending, in WAL mode, with the schema in place.</summary>
    public static SqliteConnection OpenForWriting(string path, SqliteAuditStoreOptions options)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Core.DataDirectory.CreatePrivate(dir);
        }

        if (File.Exists(full))
        {
            // SQLite's open(2) of a named pipe blocks until a writer appears: refuse anything but a regular file first.
            Core.IO.InputFile.EnsureRegularFile(full, "audit database");
        }
        else if (!OperatingSystem.IsWindows())
        {
            // SQLite gives the -wal and -shm files the database file's mode, so creating it 0600 keeps all three private.
            try
            {
                using var _ = new FileStream(full, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another process created it first; fine.
            }
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, BusyTimeoutPragma(options));
            RefuseForeignDatabase(connection, full);
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, WriterPragmas(options));
            using (var tx = connection.BeginTransaction(deferred: false))
            {
                using var cmd = connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = CreateSql;
                cmd.ExecuteNonQuery();
                tx.Commit();
            }

            EnsureIsAuditDatabase(connection, full);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static string BusyTimeoutPragma(SqliteAuditStoreOptions options) =>
        $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};";

    // Per connection, for every writer. Checkpoints run from WalCheckpointer, off the commit a forwarded message waits
    // for; the size limit truncates the WAL file back to 4 MB after a checkpoint lets it restart. 512 KB of page cache
    // instead of 2 MB: a writer only appends (the rightmost leaf and its parents), and a large import transaction
    // spills to the WAL instead of holding its pages in this process's memory.
    private static string WriterPragmas(SqliteAuditStoreOptions options) => $"""
        PRAGMA synchronous = {(options.Synchronous == AuditSynchronous.Full ? "FULL" : "NORMAL")};
        PRAGMA wal_autocheckpoint = 0;
        PRAGMA journal_size_limit = 4194304;
        PRAGMA cache_size = -512;
        """;

    /// <summary>
    /// A second handle to a database <see cref="OpenForWriting"/> has prepared, for one thread at a time: opened without
    /// SQLite's per-call connection mutex (SQLITE_OPEN_NOMUTEX). SQLite's serialized mode locks that mutex in every
    /// bind, step and reset, which was 6 % of the journal import; the import's owner already serialises every use of
    /// its handle (<see cref="Journal.JournaledAuditStore"/>'s import lock), as Microsoft.Data.Sqlite requires of a
    /// connection anyway. Throws <see cref="SqliteException"/> when the file cannot be opened.
    /// </summary>
    public static sqlite3 OpenForImport(string full, SqliteAuditStoreOptions options)
    {
        var rc = raw.sqlite3_open_v2(full, out var db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        try
        {
            Check(db, rc);
            Check(db, raw.sqlite3_exec(db, BusyTimeoutPragma(options) + WriterPragmas(options)));
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Throws the <see cref="SqliteException"/> for <paramref name="rc"/> unless it is SQLITE_OK (raw SQLitePCL calls on <paramref name="db"/>).</summary>
    internal static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <summary>Refuses to turn somebody else's database (a wrong --audit path) into an audit log, before changing anything.</summary>
    private static void RefuseForeignDatabase(SqliteConnection connection, string full)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'audit_meta'), (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')";
        using var r = cmd.ExecuteReader();
        r.Read();
        if (r.GetInt64(0) == 0 && r.GetInt64(1) > 0)
        {
            throw new Core.UserInputException($"{full} is a database but not an McpGuard audit database; choose another --audit path.");
        }
    }

    /// <summary>Opens an existing audit database read-only; a missing file or a non-audit database is a user error.</summary>
    public static SqliteConnection OpenForReading(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new Core.UserInputException($"audit database {full} does not exist.");
        }

        // SQLite's open(2) of a named pipe blocks until a writer appears: refuse anything but a regular file first.
        Core.IO.InputFile.EnsureRegularFile(full, "audit database");

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 30000;");
            EnsureIsAuditDatabase(connection, full);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new Core.UserInputException($"{full} is not an McpGuard audit database ({ex.SqliteErrorCode switch { 26 => "not a SQLite file", _ => ex.Message }}).", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void EnsureIsAuditDatabase(SqliteConnection connection, string full)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('audit_meta', 'audit_log')";
        if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 2)
        {
            throw new Core.UserInputException($"{full} is not an McpGuard audit database (no audit_log table).");
        }

        cmd.CommandText = "SELECT value FROM audit_meta WHERE key = 'format'";
        if (cmd.ExecuteScalar() as string != Format)
        {
            throw new Core.UserInputException($"{full} is not an McpGuard audit database (format marker missing).");
        }

        cmd.CommandText = "SELECT value FROM audit_meta WHERE key = 'version'";
        if (cmd.ExecuteScalar() as string != Version)
        {
            throw new Core.UserInputException($"{full} has an audit format version this McpGuard does not know.");
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static AuditRecord ReadRecord(SqliteDataReader r) => new()
    {
        Seq = r.GetInt64(0),
        Time = r.GetString(1),
        Kind = r.GetString(2),
        Server = NullableString(r, 3),
        Direction = NullableString(r, 4),
        Method = NullableString(r, 5),
        Tool = NullableString(r, 6),
        RequestId = NullableString(r, 7),
        Decision = r.GetString(8),
        Reason = NullableString(r, 9),
        RuleId = NullableString(r, 10),
        Details = NullableString(r, 11),
        PrevHash = r.GetString(12),
        EntryHash = r.GetString(13),
    };

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
