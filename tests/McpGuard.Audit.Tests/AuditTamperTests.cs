using McpGuard.TestSupport;

namespace McpGuard.Audit.Tests;

/// <summary>Each kind of tampering, done with raw SQL through a separate connection, is detected and located.</summary>
public sealed class AuditTamperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AuditProblem Single(AuditVerification v, AuditProblemKind kind)
    {
        Assert.False(v.Intact);
        return Assert.Single(v.Problems, p => p.Kind == kind);
    }

    [Fact]
    public async Task Verify_EditedDetails_NamesTheEditedRecord()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "UPDATE audit_log SET details = '{\"to\":\"phan@giftshop.club\"}' WHERE seq = 6");

        var v = AuditTestData.Verify(path);
        var p = Assert.Single(v.Problems);
        Assert.Equal(AuditProblemKind.Edited, p.Kind);
        Assert.Equal(6, p.Seq);
    }

    [Fact]
    public async Task Verify_EditedAndRehashed_NamesTheReplacedRecord()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        var r = AuditTestData.ReadRecord(path, 4) with { Decision = "allow", Reason = "nothing to see" };
        var forged = AuditCanonicalForm.ComputeHash(r.PrevHash, r);
        AuditTestData.Tamper(path, $"UPDATE audit_log SET reason = 'nothing to see', entry_hash = '{forged}' WHERE seq = 4");

        var p = Assert.Single(AuditTestData.Verify(path).Problems);
        Assert.Equal(AuditProblemKind.BrokenLink, p.Kind);
        Assert.Equal(5, p.Seq);
        Assert.Contains("record 4", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedRecord_NamesTheMissingSequence()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "DELETE FROM audit_log WHERE seq = 5");

        var p = Single(AuditTestData.Verify(path), AuditProblemKind.Deleted);
        Assert.Equal(5, p.Seq);
        Assert.Single(AuditTestData.Verify(path).Problems);
    }

    [Fact]
    public async Task Verify_DeletedFirstRecords_NamesTheStart()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "DELETE FROM audit_log WHERE seq <= 2");

        var p = Single(AuditTestData.Verify(path), AuditProblemKind.Deleted);
        Assert.Equal(1, p.Seq);
        Assert.Contains("records 1-2", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RecordInsertedWithCorrectHashes_NamesTheInsertedRecord()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        // A careful attacker: shift records 6.. up by one and put a well-formed record with a valid own hash at 6.
        var prev = AuditTestData.ReadRecord(path, 5);
        var fake = AuditTestData.ReadRecord(path, 6) with { Seq = 6, PrevHash = prev.EntryHash, Reason = "forged" };
        fake = fake with { EntryHash = AuditCanonicalForm.ComputeHash(fake.PrevHash, fake) };
        AuditTestData.Tamper(path, $"""
            UPDATE audit_log SET seq = -seq WHERE seq >= 6;
            UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
            INSERT INTO audit_log SELECT 6, time, kind, server, direction, method, tool, request_id, decision, 'forged', rule_id, details, '{fake.PrevHash}', '{fake.EntryHash}' FROM audit_log WHERE seq = 7;
            """);

        var v = AuditTestData.Verify(path);
        var inserted = v.Problems.Where(p => p.Kind == AuditProblemKind.Inserted).ToList();
        Assert.Contains(inserted, p => p.Seq == 6);
        var renumbered = Single(v, AuditProblemKind.Reordered);
        Assert.Equal(7, renumbered.Seq);
        Assert.Contains("records 7-11 were written as records 6-10", renumbered.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(v.Problems, p => p.Kind == AuditProblemKind.Edited);
    }

    [Fact]
    public async Task Verify_RowAppendedOutsideTheStore_NamesItAsInserted()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "INSERT INTO audit_log SELECT 11, time, kind, server, direction, method, tool, request_id, decision, reason, rule_id, details, entry_hash, entry_hash FROM audit_log WHERE seq = 10");

        var v = AuditTestData.Verify(path);
        Assert.Equal(11, Single(v, AuditProblemKind.Inserted).Seq);
    }

    [Fact]
    public async Task Verify_TwoRecordsSwapped_NamesBothAsReordered()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, """
            UPDATE audit_log SET seq = -1 WHERE seq = 4;
            UPDATE audit_log SET seq = 4 WHERE seq = 5;
            UPDATE audit_log SET seq = 5 WHERE seq = -1;
            """);

        var v = AuditTestData.Verify(path);
        Assert.Equal(2, v.Problems.Count);
        Assert.All(v.Problems, p => Assert.Equal(AuditProblemKind.Reordered, p.Kind));
        Assert.Equal([4L, 5], v.Problems.Select(p => p.Seq));
        Assert.Contains("record 4 was written as record 5", v.Problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedTail_NamesTheMissingEnd()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "DELETE FROM audit_log WHERE seq >= 8");

        var p = Assert.Single(AuditTestData.Verify(path).Problems);
        Assert.Equal(AuditProblemKind.Truncated, p.Kind);
        Assert.Equal(8, p.Seq);
        Assert.Contains("records 8-10", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedTailThenAppend_NamesTheGap()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        AuditTestData.Tamper(path, "DELETE FROM audit_log WHERE seq >= 8");
        await using (var store = SqliteAuditStore.Open(path, new FakeRedactor()))
        {
            Assert.Equal(11, await store.AppendWithSeqAsync(AuditTestData.Event(11), Ct));
        }

        var p = Assert.Single(AuditTestData.Verify(path).Problems);
        Assert.Equal(AuditProblemKind.Deleted, p.Kind);
        Assert.Equal(8, p.Seq);
        Assert.Contains("record 11 follows record 7", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_HeadRowDeleted_IsReported()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 3);
        AuditTestData.Tamper(path, "DELETE FROM audit_head");
        Assert.Equal(AuditProblemKind.HeadMissing, Assert.Single(AuditTestData.Verify(path).Problems).Kind);
    }

    [Fact]
    public async Task Verify_Untouched_HasNoProblems()
    {
        using var dir = new TempDirectory();
        var path = await AuditTestData.CreateLogAsync(dir.Path, 10);
        // Control for the tests above: the same raw connection with a no-op statement changes nothing.
        AuditTestData.Tamper(path, "SELECT 1");
        Assert.True(AuditTestData.Verify(path).Intact);
    }
}
