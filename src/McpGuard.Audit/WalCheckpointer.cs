using Microsoft.Data.Sqlite;

namespace McpGuard.Audit;

/// <summary>
/// Copies the audit database's WAL back into the main file from a timer, on a connection of its own, instead of
/// inside a commit. SQLite's automatic checkpoint runs in whichever commit crosses 1,000 WAL pages, with two fsyncs:
/// that commit is the one a forwarded message waits for. A passive checkpoint never blocks appenders (of this or
/// another `mcpguard run` process) and, run once a second, copies each page once however often the commits of that
/// second rewrote it (the chain head and the last leaf are rewritten by every commit).
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly string _path;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private long _commits;
    private long _checkpointedAt;
    private bool _disposed;

    public WalCheckpointer(string path, TimeSpan interval)
    {
        _path = path;
        _timer = new Timer(_ => Run(), null, interval, interval);
    }

    /// <summary>Called after every commit; cheap.</summary>
    public void Committed() => Interlocked.Increment(ref _commits);

    /// <summary>Checkpoints now if anything was committed since the last one (the timer's job; tests call it).</summary>
    public void Run()
    {
        lock (_gate)
        {
            var commits = Interlocked.Read(ref _commits);
            if (_disposed || commits == _checkpointedAt)
            {
                return;
            }

            try
            {
                _connection ??= Open(_path);
                using var cmd = _connection.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                cmd.ExecuteNonQuery();
                _checkpointedAt = commits;
            }
            catch (SqliteException)
            {
                // Fail open on purpose: a missed checkpoint only lets the WAL grow until the next one (or the last
                // connection's close); the records are committed either way. Retried on the next tick.
                _connection?.Dispose();
                _connection = null;
            }
        }
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        AuditSchema.Execute(connection, "PRAGMA busy_timeout = 1000;");
        return connection;
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
        }
    }
}
