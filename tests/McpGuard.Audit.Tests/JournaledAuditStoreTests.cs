using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Audit.Journal;
using McpGuard.TestSupport;

namespace McpGuard.Audit.Tests;

public sealed class JournaledAuditStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Imports only when a test asks (ImportNow, a reader, dispose): the background tick is an hour away.
    private static readonly SqliteAuditStoreOptions s_manual = new() { Synchronous = AuditSynchronous.Normal, ImportInterval = TimeSpan.FromHours(1) };

    private static string[] Journals(string db) =>
        Directory.Exists(AuditJournalFormat.DirectoryFor(db)) ? Directory.GetFiles(AuditJournalFormat.DirectoryFor(db), "*.jnl") : [];

    private static int Count(string db)
    {
        using var reader = AuditLogReader.Open(db);
        return reader.Query(new AuditQuery()).Count();
    }

    [Fact]
    public async Task AppendDeferred_WaitsForCommitPendingNow_ThenIsInTheJournalBeforeTheDatabase()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        await using (var store = JournaledAuditStore.Open(db, new FakeRedactor(), s_manual))
        {
            var first = store.AppendDeferredAsync(AuditTestData.Event(1)).AsTask();
            var journal = Assert.Single(Journals(db));
            Assert.False(first.IsCompleted, "a deferred append must wait for the commit");
            Assert.Equal(AuditJournalFormat.Magic.Length, new FileInfo(journal).Length);

            store.CommitPendingNow();
            Assert.True(first.IsCompletedSuccessfully);
            Assert.True(new FileInfo(journal).Length > AuditJournalFormat.Magic.Length, "committed = written to the journal");

            // A reader imports what a live process committed, without waiting for its import tick.
            Assert.Equal(1, Count(db));
            var second = store.AppendDeferredAsync(AuditTestData.Event(2)).AsTask();
            await store.DisposeAsync();
            Assert.True(second.IsCompletedSuccessfully, "dispose commits what is still buffered");
        }

        Assert.Empty(Journals(db));
        var v = AuditTestData.Verify(db);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        Assert.Equal(2, v.Records);
        Assert.Equal("event 2", AuditTestData.ReadRecord(db, 2).Reason);
    }

    [Fact]
    public async Task ReadersAndOwner_ImportTheSameJournal_EachRecordExactlyOnceInOrder()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        await using (var store = JournaledAuditStore.Open(db, new FakeRedactor(), s_manual))
        {
            for (var i = 1; i <= 3; i++)
            {
                await store.AppendAsync(AuditTestData.Event(i), Ct);
            }

            Assert.Equal(3, Count(db));
            store.ImportNow(); // nothing new for the owner: the reader already took it
            for (var i = 4; i <= 5; i++)
            {
                await store.AppendAsync(AuditTestData.Event(i), Ct);
            }

            store.ImportNow();
            Assert.Equal(5, Count(db));
            await store.AppendAsync(AuditTestData.Event(6), Ct);
        }

        using var reader = AuditLogReader.Open(db);
        Assert.Equal(["1", "2", "3", "4", "5", "6"], reader.Query(new AuditQuery()).Select(r => r.RequestId));
        Assert.True(AuditTestData.Verify(db).Intact);
    }

    [Fact]
    public async Task EightThreads_DeferredAppendsAndCommits_EveryEventOnceAndChainValid()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        var options = s_manual with { ImportInterval = TimeSpan.FromMilliseconds(5) };
        await using (var store = JournaledAuditStore.Open(db, new FakeRedactor(), options))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < 250; i++)
                {
                    var commit = store.AppendDeferredAsync(AuditTestData.Event((t * 1000) + i, server: "s" + t));
                    if (i % 3 == 0)
                    {
                        store.CommitPendingNow();
                    }

                    store.CommitPendingNow();
                    await commit;
                }
            })));
        }

        using var reader = AuditLogReader.Open(db);
        var ids = reader.Query(new AuditQuery()).Select(r => r.RequestId).ToList();
        Assert.Equal(2000, ids.Count);
        Assert.Equal(2000, ids.Distinct().Count());
        Assert.True(AuditTestData.Verify(db).Intact);
        Assert.Empty(Journals(db));
    }

    [Fact]
    public async Task SmallRotationSize_LongSession_EveryEventOnceAndOldJournalsDeleted()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        var options = s_manual with { ImportInterval = TimeSpan.FromMilliseconds(2), JournalRotateBytes = 2048 };
        var names = new HashSet<string>();
        await using (var store = JournaledAuditStore.Open(db, new FakeRedactor(), options))
        {
            for (var i = 1; i <= 300; i++)
            {
                await store.AppendAsync(AuditTestData.Event(i), Ct);
                names.UnionWith(Journals(db).Select(Path.GetFileName)!);
                if (i % 50 == 0)
                {
                    await Task.Delay(20, Ct); // let the import thread rotate
                }
            }

            Assert.True(names.Count > 1, "the journal was never rotated");
            Assert.True(Journals(db).Length <= 2, $"old journals are not deleted: {Journals(db).Length}");
        }

        var v = AuditTestData.Verify(db);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        Assert.Equal(300, v.Records);
        Assert.Empty(Journals(db));
    }

    [Fact]
    public async Task DeadOwnersJournal_TornLastWrite_WholeRecordsImportedTailDroppedFileDeleted()
    {
        using var dir = new TempDirectory();
        var db = await AuditTestData.CreateLogAsync(dir.Path, 1);
        var path = WriteDeadJournal(db, [AuditTestData.Event(2), AuditTestData.Event(3)]);
        // A frame header that promises more bytes than the file has: the owner died inside its write.
        using (var f = new FileStream(path, FileMode.Append))
        {
            f.Write([0x40, 0, 0, 0, 1, 2, 3, 4, (byte)'{']);
        }

        using (var reader = AuditLogReader.Open(db))
        {
            Assert.Equal(["1", "2", "3"], reader.Query(new AuditQuery()).Select(r => r.RequestId));
            var problem = Assert.Single(reader.JournalProblems);
            Assert.Contains("9 bytes at the end", problem, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(path));
        Assert.True(AuditTestData.Verify(db).Intact);
    }

    [Fact]
    public async Task DeadOwnersJournal_DamagedRecord_EarlierOnesImportedFileSetAsideAndReported()
    {
        using var dir = new TempDirectory();
        var db = await AuditTestData.CreateLogAsync(dir.Path, 1);
        var path = WriteDeadJournal(db, [AuditTestData.Event(2), AuditTestData.Event(3), AuditTestData.Event(4)]);
        var bytes = File.ReadAllBytes(path);
        var secondFrame = bytes.AsSpan().LastIndexOf("event 3"u8);
        bytes[secondFrame] ^= 0x20; // "Event 3": the checksum no longer matches
        File.WriteAllBytes(path, bytes);

        using (var reader = AuditLogReader.Open(db))
        {
            Assert.Equal(["1", "2"], reader.Query(new AuditQuery()).Select(r => r.RequestId));
            var problem = Assert.Single(reader.JournalProblems);
            Assert.Contains("damaged", problem, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(path));
        Assert.True(File.Exists(path + AuditJournalImporter.DamagedSuffix), "a damaged journal is kept for investigation");
        Assert.Empty(AuditLogReader.Open(db).JournalProblems); // set aside: not read again
        Assert.True(AuditTestData.Verify(db).Intact);
    }

    [Fact]
    public async Task ImportProblems_EachReportedOnceWhenFirstFound_AtOpenOnLaterImportsAndAtDispose()
    {
        using var dir = new TempDirectory();
        var db = await AuditTestData.CreateLogAsync(dir.Path, 1);
        var atOpen = WriteDeadJournal(db, [AuditTestData.Event(2)]);
        using (var f = new FileStream(atOpen, FileMode.Append))
        {
            f.Write([0x40, 0, 0, 0, 1, 2, 3, 4, (byte)'{']); // cut short
        }

        // Found again by every import: the same text must not be reported again.
        var notAJournal = Path.Combine(AuditJournalFormat.DirectoryFor(db), "0-other.jnl");
        File.WriteAllText(notAJournal, "not a journal at all");
        var reported = new List<string>();
        var store = JournaledAuditStore.Open(db, new FakeRedactor(), s_manual, p => { lock (reported) { reported.Add(p); } });
        try
        {
            Assert.Equal(2, reported.Count);
            Assert.Contains(reported, p => p.StartsWith($"{atOpen}: 9 bytes at the end", StringComparison.Ordinal));
            Assert.Contains(reported, p => p.StartsWith($"{notAJournal} is not an McpGuard audit journal", StringComparison.Ordinal));

            store.ImportNow();
            Assert.Equal(2, reported.Count);

            var later = WriteDeadJournal(db, [AuditTestData.Event(3), AuditTestData.Event(4)]);
            var bytes = File.ReadAllBytes(later);
            bytes[bytes.AsSpan().LastIndexOf("event 4"u8)] ^= 0x20;
            File.WriteAllBytes(later, bytes);
            await store.AppendAsync(AuditTestData.Event(5), Ct);
            store.ImportNow();
            store.ImportNow();
            Assert.Equal(3, reported.Count);
            Assert.StartsWith($"{later}: the record at byte ", reported[2], StringComparison.Ordinal);
            Assert.DoesNotContain("event", reported[2], StringComparison.Ordinal); // never a record's content
        }
        finally
        {
            await store.DisposeAsync();
        }

        Assert.Equal(3, reported.Count); // the import at dispose finds the other file again: not repeated
        Assert.True(AuditTestData.Verify(db).Intact);
    }

    [Fact]
    public async Task ImportProblems_FoundByTheBackgroundTick_ReportedOnTheImportThread()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        using var reported = new System.Collections.Concurrent.BlockingCollection<string>();
        await using var store = JournaledAuditStore.Open(
            db, new FakeRedactor(), s_manual with { ImportInterval = TimeSpan.FromMilliseconds(20) }, reported.Add);
        Assert.Empty(reported);

        var dead = WriteDeadJournal(db, [AuditTestData.Event(1)]);
        using (var f = new FileStream(dead, FileMode.Append))
        {
            f.Write([0x40, 0, 0, 0, 1, 2, 3, 4, (byte)'{']);
        }

        // A tick imports when this store committed something new.
        await store.AppendAsync(AuditTestData.Event(2), Ct);
        Assert.True(reported.TryTake(out var problem, 30_000, Ct), "the tick reported nothing");
        Assert.StartsWith($"{dead}: 9 bytes at the end", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Journal_HoldsOnlyRedactedText()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        const string Secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"; // the token shape FakeRedactor knows
        await using var store = JournaledAuditStore.Open(db, new FakeRedactor(), s_manual);
        await store.AppendAsync(AuditTestData.Event(1) with
        {
            Reason = $"key {Secret}",
            RequestId = Secret,
            Details = new JsonObject { ["token"] = Secret },
            Arguments = System.Text.Json.JsonDocument.Parse($$"""{"apiKey":"{{Secret}}"}""").RootElement,
        }, Ct);

        var journal = Assert.Single(Journals(db));
        byte[] content;
        using (var f = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            content = new byte[f.Length];
            f.ReadExactly(content);
        }

        Assert.True(content.AsSpan().IndexOf("tool-call"u8) > 0, "the record is not in the journal");
        Assert.Equal(-1, content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Secret)));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Journal_IsPrivate()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        await using var store = JournaledAuditStore.Open(db, new FakeRedactor(), s_manual);
        var journal = Assert.Single(Journals(db));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(journal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(AuditJournalFormat.DirectoryFor(db)));
    }

    /// <summary>A journal as a process that died after committing <paramref name="events"/> leaves it (closed, unlocked).</summary>
    private static string WriteDeadJournal(string db, AuditEvent[] events)
    {
        var encoder = new AuditRecordEncoder();
        using var writer = AuditJournalWriter.Create(AuditJournalFormat.DirectoryFor(db));
        foreach (var e in events)
        {
            writer.Add(encoder.Encode(e, new FakeRedactor()).Span);
        }

        writer.Commit();
        return writer.Path;
    }
}
