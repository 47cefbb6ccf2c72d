using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using McpGuard.Audit;
using McpGuard.Audit.Journal;
using McpGuard.Core.Secrets;
using Microsoft.Data.Sqlite;

namespace McpGuard.Benchmarks;

/// <summary>
/// Audit append throughput and latency: the hash-chained store (single appender, and 8 concurrent appenders
/// that the writer batches into shared transactions) against plain SQLite inserts of the same row without hashing,
/// redaction or chaining, one transaction per insert, on the same disk, with the same WAL and synchronous setting.
/// One operation = <see cref="Events"/> events; BenchmarkDotNet reports time per event. The "proxy path" rows are what
/// `mcpguard run` does (<see cref="JournaledAuditStore"/>): buffer, then one journal write on the flushing thread
/// before forwarding; the background import into the chain is not in those rows, so the "journal + import" row pays
/// both on one thread: the whole cost of an event.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[MemoryDiagnoser]
public class AuditStoreBenchmarks
{
    private const int Events = 256;

    private string _dir = "";
    private SqliteAuditStore _store = null!;
    private JournaledAuditStore _journaled = null!;
    private SqliteConnection _plain = null!;
    private SqliteCommand _plainInsert = null!;
    internal static readonly AuditEvent SampleEvent = new()
    {
        Time = DateTimeOffset.UtcNow,
        Kind = "message",
        Server = "postmark",
        Direction = "client-to-server",
        Method = "tools/call",
        Tool = "send_email",
        RequestId = "42",
        Decision = "allow",
        Details = new JsonObject { ["to"] = "user@example.test", ["subject"] = "Invoice 2026-11", ["bytes"] = 812 },
    };

    [Params(AuditSynchronous.Full, AuditSynchronous.Normal)]
    public AuditSynchronous Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // On the real disk (not tmpfs), so fsync costs what it costs for a user.
        _dir = Path.Combine(AppContext.BaseDirectory, "audit-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _store = SqliteAuditStore.Open(Path.Combine(_dir, "audit.db"), new NoSecrets(), new SqliteAuditStoreOptions { Synchronous = Synchronous });
        _journaled = JournaledAuditStore.Open(Path.Combine(_dir, "journaled.db"), new NoSecrets(), new SqliteAuditStoreOptions { Synchronous = Synchronous });
        (_plain, _plainInsert) = PlainAuditTable.Open(Path.Combine(_dir, "plain.db"), Synchronous);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journaled.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _plainInsert.Dispose();
        _plain.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "plain SQLite insert, 1 tx each (no hash)")]
    public void PlainInsert()
    {
        for (var i = 0; i < Events; i++)
        {
            using var tx = _plain.BeginTransaction();
            _plainInsert.Transaction = tx;
            _plainInsert.ExecuteNonQuery();
            tx.Commit();
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "audit store, 1 appender (= per-event latency)")]
    public async Task SingleAppender()
    {
        for (var i = 0; i < Events; i++)
        {
            await _store.AppendAsync(SampleEvent);
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "audit store, 8 concurrent appenders (batched)")]
    public async Task EightAppenders()
    {
        var tasks = new Task[8];
        for (var t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(async () =>
            {
                for (var i = 0; i < Events / 8; i++)
                {
                    await _store.AppendAsync(SampleEvent);
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "proxy path, 1 event per commit (deferred + CommitPendingNow)")]
    public async Task DeferredOnePerCommit()
    {
        for (var i = 0; i < Events; i++)
        {
            var commit = _journaled.AppendDeferredAsync(SampleEvent);
            _journaled.CommitPendingNow();
            await commit;
        }
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "journal + import: 1 event per commit, then the chain insert of all")]
    public async Task JournalThenImport()
    {
        await DeferredOnePerCommit();
        _journaled.ImportNow();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "proxy path, 16 events per commit (one read buffer of 16 frames)")]
    public async Task DeferredSixteenPerCommit()
    {
        var commits = new Task[16];
        for (var i = 0; i < Events; i += commits.Length)
        {
            for (var j = 0; j < commits.Length; j++)
            {
                commits[j] = _journaled.AppendDeferredAsync(SampleEvent).AsTask();
            }

            _journaled.CommitPendingNow();
            await Task.WhenAll(commits);
        }
    }

    internal sealed class NoSecrets : ISecretRedactor
    {
        public string Redact(string text) => text;

        public void RedactInPlace(JsonNode? node)
        {
        }

        public bool ContainsSecret(string text) => false;
    }
}

/// <summary>
/// The background half of the proxy path alone: importing a full transaction's worth of journaled events
/// (<see cref="AuditJournalImporter.MaxRecordsPerTransaction"/>) into the hash chain, as `run`'s import thread does
/// during a burst. Each iteration journals the events first (not measured), then imports them. Same-run baseline:
/// plain SQLite inserts of the same row in one transaction, without hashing or chaining.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15, invocationCount: 1)]
[MemoryDiagnoser]
public class AuditImportBenchmarks
{
    private const int Events = AuditJournalImporter.MaxRecordsPerTransaction;

    private string _dir = "";
    private JournaledAuditStore _journaled = null!;
    private SqliteConnection _plain = null!;
    private SqliteCommand _plainInsert = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(AppContext.BaseDirectory, "audit-import-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        // An hour between background imports: only the benchmark imports.
        _journaled = JournaledAuditStore.Open(Path.Combine(_dir, "journaled.db"), new AuditStoreBenchmarks.NoSecrets(),
            new SqliteAuditStoreOptions { Synchronous = AuditSynchronous.Normal, ImportInterval = TimeSpan.FromHours(1) });
        (_plain, _plainInsert) = PlainAuditTable.Open(Path.Combine(_dir, "plain.db"), AuditSynchronous.Normal);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journaled.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _plainInsert.Dispose();
        _plain.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [IterationSetup(Target = nameof(Import))]
    public void JournalEvents()
    {
        for (var i = 0; i < Events; i += 16)
        {
            for (var j = 0; j < 16; j++)
            {
                _ = _journaled.AppendDeferredAsync(AuditStoreBenchmarks.SampleEvent);
            }

            _journaled.CommitPendingNow();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events, Description = "plain SQLite insert, all in 1 tx (no hash, no chain)")]
    public void PlainInsertOneTransaction()
    {
        using var tx = _plain.BeginTransaction();
        _plainInsert.Transaction = tx;
        for (var i = 0; i < Events; i++)
        {
            _plainInsert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "import: chain + insert of journaled events, 1 tx")]
    public void Import() => _journaled.ImportNow();
}

/// <summary>The baseline table of the audit benchmarks: the audit row's columns in plain SQLite, no hash, no chain.</summary>
internal static class PlainAuditTable
{
    /// <summary>Creates the table (WAL, the given synchronous mode) and an INSERT of the fixed row of <see cref="AuditStoreBenchmarks.SampleEvent"/>.</summary>
    public static (SqliteConnection Connection, SqliteCommand Insert) Open(string path, AuditSynchronous synchronous)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"""
                PRAGMA journal_mode = WAL; PRAGMA synchronous = {(synchronous == AuditSynchronous.Full ? "FULL" : "NORMAL")};
                CREATE TABLE t (seq INTEGER PRIMARY KEY, time TEXT, kind TEXT, server TEXT, direction TEXT, method TEXT, tool TEXT,
                                request_id TEXT, decision TEXT, reason TEXT, rule_id TEXT, details TEXT);
                """;
            cmd.ExecuteNonQuery();
        }

        var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO t (time, kind, server, direction, method, tool, request_id, decision, reason, rule_id, details) VALUES ($a, $b, $c, $d, $e, $f, $g, $h, NULL, NULL, $i)";
        foreach (var (name, value) in new[] { ("$a", "2026-11-23T12:00:00.0000000Z"), ("$b", "message"), ("$c", "postmark"), ("$d", "client-to-server"), ("$e", "tools/call"), ("$f", "send_email"), ("$g", "42"), ("$h", "allow"), ("$i", "{\"to\":\"user@example.test\",\"subject\":\"Invoice 2026-11\",\"bytes\":812}") })
        {
            insert.Parameters.AddWithValue(name, value);
        }

        return (connection, insert);
    }
}
