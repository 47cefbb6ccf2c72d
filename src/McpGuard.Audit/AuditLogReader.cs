using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit;

/// <summary>
/// Read-only access to an audit database (for verify, show, export and the dashboard). Opening never creates the
/// file; a missing file or a database that is not an audit log throws <see cref="Core.UserInputException"/>. The one
/// change opening makes: records still waiting in process journals beside the database (a live `run`'s last fraction
/// of a second, or a killed one's) are imported into the chain first, so what is read is everything committed.
/// </summary>
public sealed class AuditLogReader : IDisposable
{
    private readonly SqliteConnection _connection;

    private AuditLogReader(string path, SqliteConnection connection, IReadOnlyList<string> journalProblems)
    {
        Path = path;
        _connection = connection;
        JournalProblems = journalProblems;
    }

    public string Path { get; }

    /// <summary>What could not be imported from the journals on open (one sentence each, for a warning); usually empty.</summary>
    public IReadOnlyList<string> JournalProblems { get; }

    public static AuditLogReader Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            // Before the journal import opens it for writing: a named pipe there would block SQLite's open forever.
            Core.IO.InputFile.EnsureRegularFile(full, "audit database");
        }

        var problems = File.Exists(full) ? Journal.AuditJournalRecovery.ImportPending(full) : [];
        return new AuditLogReader(full, AuditSchema.OpenForReading(full), problems);
    }

    /// <summary>The head row (last sequence and hash ever written), or null when it is missing.</summary>
    public AuditHead? ReadHead()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT seq, hash FROM audit_head WHERE id = 1";
        using var r = cmd.ExecuteReader();
        return r.Read() ? new AuditHead(r.GetInt64(0), r.GetString(1)) : null;
    }

    /// <summary>
    /// Runs <paramref name="read"/> over the head and every record inside one read transaction: a consistent
    /// snapshot while other processes keep appending. Records stream in stored sequence order.
    /// </summary>
    public T ReadSnapshot<T>(Func<AuditHead?, IEnumerable<AuditRecord>, T> read)
    {
        using var tx = _connection.BeginTransaction(deferred: true);
        using var headCmd = _connection.CreateCommand();
        headCmd.Transaction = tx;
        headCmd.CommandText = "SELECT seq, hash FROM audit_head WHERE id = 1";
        AuditHead? head;
        using (var r = headCmd.ExecuteReader())
        {
            head = r.Read() ? new AuditHead(r.GetInt64(0), r.GetString(1)) : null;
        }

        var result = read(head, Query(new AuditQuery(), tx));
        tx.Commit();
        return result;
    }

    /// <summary>Matching records, oldest first, streamed.</summary>
    public IEnumerable<AuditRecord> Query(AuditQuery query) => Query(query, transaction: null);

    private IEnumerable<AuditRecord> Query(AuditQuery query, SqliteTransaction? transaction)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = transaction;
        var where = new StringBuilder();
        void Add(string column, string? value)
        {
            if (value is not null)
            {
                where.Append(where.Length == 0 ? " WHERE " : " AND ").Append(column).Append(" = $").Append(column);
                cmd.Parameters.AddWithValue("$" + column, value);
            }
        }

        Add("server", query.Server);
        Add("tool", query.Tool);
        Add("decision", query.Decision);
        Add("kind", query.Kind);
        // The stored time format is fixed-width UTC, so text comparison is time comparison.
        if (query.Since is { } since)
        {
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append("time >= $since");
            cmd.Parameters.AddWithValue("$since", AuditCanonicalForm.FormatTime(since));
        }

        if (query.Until is { } until)
        {
            where.Append(where.Length == 0 ? " WHERE " : " AND ").Append("time < $until");
            cmd.Parameters.AddWithValue("$until", AuditCanonicalForm.FormatTime(until));
        }

        var sql = $"SELECT {AuditSchema.Columns} FROM audit_log{where}";
        cmd.CommandText = query.Limit is { } limit
            ? $"SELECT * FROM ({sql} ORDER BY seq DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}) ORDER BY seq"
            : sql + " ORDER BY seq";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            yield return AuditSchema.ReadRecord(reader);
        }
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>The chain head as the store last wrote it: the highest sequence ever appended and its hash.</summary>
public sealed record AuditHead(long Seq, string Hash);
