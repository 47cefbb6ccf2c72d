using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.TestSupport;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit.Tests;

public sealed class SqliteAuditStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_ManyEvents_ChainVerifiesWithConsecutiveSequences()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 500);

        var v = AuditTestData.Verify(path);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        Assert.Equal(500, v.Records);
        Assert.Equal(1, v.FirstSeq);
        Assert.Equal(500, v.LastSeq);
        using var reader = AuditLogReader.Open(path);
        var records = reader.Query(new AuditQuery()).ToList();
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), records.Select(r => r.Seq));
        Assert.Equal(AuditCanonicalForm.GenesisHash, records[0].PrevHash);
        Assert.All(records.Skip(1).Zip(records), pair => Assert.Equal(pair.Second.EntryHash, pair.First.PrevHash));
        Assert.Equal("event 7", records[6].Reason);
        Assert.Equal("2026-11-23T12:00:07.0000000Z", records[6].Time);
        Assert.Equal(new AuditHead(500, records[^1].EntryHash), reader.ReadHead());
    }

    [Fact]
    public async Task Append_AfterReopen_ContinuesTheChain()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 3);
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            Assert.Equal(4, await store.AppendWithSeqAsync(AuditTestData.Event(4), Ct));
        }

        var v = AuditTestData.Verify(path);
        Assert.True(v.Intact);
        Assert.Equal(4, v.LastSeq);
    }

    [Fact]
    public async Task Append_EightConcurrentThreads_EveryEventOnceAndChainValid()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        var seqs = new System.Collections.Concurrent.ConcurrentBag<long>();
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            var threads = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    seqs.Add(await store.AppendWithSeqAsync(AuditTestData.Event((t * 1000) + i, server: "s" + t), Ct));
                }
            }, Ct)).ToArray();
            await Task.WhenAll(threads);
        }

        Assert.Equal(Enumerable.Range(1, 1600).Select(i => (long)i), seqs.Order());
        var v = AuditTestData.Verify(path);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        using var reader = AuditLogReader.Open(path);
        // Each returned sequence really holds that appender's event.
        Assert.Equal(200, reader.Query(new AuditQuery { Server = "s3" }).Count());
    }

    [Fact]
    public async Task Append_SecretInReasonAndDetails_NeverReachesTheFileBytes()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        const string secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        const string password = "hunter2-very-secret";
        var redactor = new FakeRedactor();
        var details = new JsonObject
        {
            ["headers"] = new JsonObject { ["authorization"] = "Bearer " + secret },
            ["list"] = new JsonArray(secret),
            ["password"] = password,
        };
        await using (var store = SqliteAuditStore.Open(path, redactor))
        {
            for (var i = 0; i < 20; i++)
            {
                await store.AppendAsync(AuditTestData.Event(i) with { Reason = "key " + secret, RequestId = secret, Details = details }, Ct);
            }

            // While the store is open the records are in the WAL: read every file raw.
            AssertNoSecretInFiles(dir.Path, secret, password);
        }

        AssertNoSecretInFiles(dir.Path, secret, password);
        Assert.Equal("Bearer " + secret, (string?)details["headers"]!["authorization"]); // the caller's object is untouched
        var r = AuditTestData.ReadRecord(path, 1);
        Assert.Equal("key " + FakeRedactor.Marker, r.Reason);
        Assert.Contains(FakeRedactor.Marker, r.Details, StringComparison.Ordinal);
        Assert.True(AuditTestData.Verify(path).Intact);
    }

    [Fact]
    public async Task Append_BytesAndArguments_StoredFirstInDetailsAndRedacted()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        var token = "ghp_" + new string('b', 20) + "0123456789" + "QRSTUV";
        var arguments = new JsonObject { ["to"] = "a@example.com", ["apiKey"] = "plain-but-named", ["note"] = "use " + token };
        await using (var store = SqliteAuditStore.Open(path, new Core.Secrets.SecretRedactor()))
        {
            await store.AppendAsync(AuditTestData.Event(0) with { Bytes = 1234, Arguments = System.Text.Json.JsonDocument.Parse(arguments.ToJsonString()).RootElement.Clone(), Details = new JsonObject { ["bytes"] = 1, ["tools"] = 3 } }, Ct);
            await store.AppendAsync(AuditTestData.Event(1) with { Bytes = 99, Details = null }, Ct);
        }

        Assert.Equal(
            "{\"bytes\":1234,\"arguments\":{\"to\":\"a@example.com\",\"apiKey\":\"[REDACTED:secret-field]\",\"note\":\"use [REDACTED:github-token]\"},\"tools\":3}",
            AuditTestData.ReadRecord(path, 1).Details);
        Assert.Equal("{\"bytes\":99}", AuditTestData.ReadRecord(path, 2).Details);
        Assert.DoesNotContain(token, AuditTestData.ReadRecord(path, 1).Details!, StringComparison.Ordinal);
        Assert.True(AuditTestData.Verify(path).Intact);
    }

    [Fact]
    public async Task Checkpoint_RunsOffTheCommitPath_WalPagesReachTheMainFile()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        await using var store = SqliteAuditStore.Open(path, new FakeRedactor(), new SqliteAuditStoreOptions
        {
            Synchronous = AuditSynchronous.Normal,
            CheckpointInterval = TimeSpan.FromMilliseconds(50),
        });
        var initial = new FileInfo(path).Length;
        for (var i = 0; i < 2000; i++)
        {
            await store.AppendAsync(AuditTestData.Event(i) with { Details = new JsonObject { ["pad"] = new string('p', 200) } }, Ct);
        }

        // No commit checkpoints (wal_autocheckpoint = 0): the main file grows only when the checkpointer copies pages.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo(path).Length < initial + (200 * 1024) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        Assert.True(new FileInfo(path).Length >= initial + (200 * 1024), $"main file still {new FileInfo(path).Length} bytes");
        Assert.True(AuditTestData.Verify(path).Intact);
    }

    [Fact]
    public async Task Append_EmptyStrings_StoredAsEmptyNotNullAndChainVerifies()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            await store.AppendAsync(AuditTestData.Event(0) with { RequestId = "", Reason = "", Tool = "" }, Ct);
        }

        var r = AuditTestData.ReadRecord(path, 1);
        Assert.Equal("", r.RequestId);
        Assert.Equal("", r.Reason);
        Assert.Equal("", r.Tool);
        Assert.True(AuditTestData.Verify(path).Intact);
    }

    [Fact]
    public async Task Append_LoneSurrogate_StoredAsReplacementCharacterAndChainVerifies()
    {
        // A lone UTF-16 surrogate cannot be stored as UTF-8: it becomes U+FFFD, and the hash covers what is stored, so
        // the record still verifies (a hash over the original text would fail `audit verify` forever).
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            await store.AppendAsync(AuditTestData.Event(0) with { Reason = "a\uD800b\U0001F600", Tool = "\uDC00" }, Ct);
        }

        var r = AuditTestData.ReadRecord(path, 1);
        Assert.Equal("a\uFFFDb\U0001F600", r.Reason);
        Assert.Equal("\uFFFD", r.Tool);
        Assert.True(AuditTestData.Verify(path).Intact);
    }

    private static void AssertNoSecretInFiles(string dir, string secret, string password)
    {
        var files = Directory.GetFiles(dir);
        Assert.Contains(files, f => f.EndsWith("audit.db", StringComparison.Ordinal));
        long total = 0;
        foreach (var file in files)
        {
            using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var bytes = new byte[s.Length];
            s.ReadExactly(bytes);
            total += bytes.Length;
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(password)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("4eC39HqLyjWDarjtT1zdp7dc")));
        }

        Assert.True(total > 0);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Open_NewDatabase_IsWalAndPrivate()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "sub", "audit.db");
        await using var store = SqliteAuditStore.Open(path, new FakeRedactor());
        await store.AppendAsync(AuditTestData.Event(1), Ct);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar() as string);
    }

    [Fact]
    public async Task Table_OrdinaryUpdateOrDelete_IsRefusedByTriggers()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 2);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE audit_log SET reason = 'x' WHERE seq = 1";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery()).Message, StringComparison.Ordinal);
        cmd.CommandText = "DELETE FROM audit_log WHERE seq = 1";
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_MissingOrForeignFile_IsUserInputError()
    {
        using var dir = new TempDirectory();
        Assert.Throws<UserInputException>(() => AuditLogReader.Open(Path.Combine(dir.Path, "none.db")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "none.db")));
        var text = dir.Write("notes.txt", "just some text, not a database at all.............................................");
        Assert.Throws<UserInputException>(() => AuditLogReader.Open(text));
        var other = Path.Combine(dir.Path, "other.db");
        using (var c = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t (x)";
            cmd.ExecuteNonQuery();
        }

        Assert.Contains("not an McpGuard audit database", Assert.Throws<UserInputException>(() => AuditLogReader.Open(other)).Message, StringComparison.Ordinal);
        // Nor does the store add its tables to someone else's database.
        Assert.Throws<UserInputException>(() => SqliteAuditStore.Open(other, new FakeRedactor()));
        Assert.Throws<UserInputException>(() => SqliteAuditStore.Open(text, new FakeRedactor()));
        using var check = new SqliteConnection($"Data Source={other};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'audit_%'";
        Assert.Equal(0L, count.ExecuteScalar());
    }

    [Fact]
    public async Task Append_AfterDispose_Throws()
    {
        using var dir = new TempDirectory();
        var store = SqliteAuditStore.Open(Path.Combine(dir.Path, "a.db"), new FakeRedactor());
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.AppendAsync(AuditTestData.Event(1), Ct));
    }

    [Fact]
    public async Task Query_Filters_SelectMatchingRecordsOldestFirst()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            for (var i = 1; i <= 30; i++)
            {
                await store.AppendAsync(AuditTestData.Event(i, server: i % 2 == 0 ? "even" : "odd", decision: i % 5 == 0 ? "block" : "allow"), Ct);
            }
        }

        using var reader = AuditLogReader.Open(path);
        Assert.Equal([10L, 20, 30], reader.Query(new AuditQuery { Server = "even", Decision = "block" }).Select(r => r.Seq));
        Assert.Equal([26L, 28, 30], reader.Query(new AuditQuery { Server = "even", Limit = 3 }).Select(r => r.Seq));
        var start = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal([5L, 6, 7], reader.Query(new AuditQuery { Since = start.AddSeconds(5), Until = start.AddSeconds(8) }).Select(r => r.Seq));
    }
}
