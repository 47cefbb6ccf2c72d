namespace McpGuard.Audit;

/// <summary>What kind of damage a verification found.</summary>
public enum AuditProblemKind
{
    /// <summary>A record's contents no longer match its own hash.</summary>
    Edited,

    /// <summary>Records are missing from the middle or start of the chain.</summary>
    Deleted,

    /// <summary>A record that the store did not write sits in the chain.</summary>
    Inserted,

    /// <summary>A record sits at a different position (sequence) than the one it was written at.</summary>
    Reordered,

    /// <summary>Records at the end were removed (the head remembers more than there is).</summary>
    Truncated,

    /// <summary>A record does not link to the one before it and nothing simpler explains why.</summary>
    BrokenLink,

    /// <summary>The head row (last sequence ever written) is missing.</summary>
    HeadMissing,
}

/// <summary>One problem, at the sequence number it is first visible at, with a sentence a person can act on.</summary>
public sealed record AuditProblem(AuditProblemKind Kind, long Seq, string Message);

/// <summary>The outcome of verifying a chain.</summary>
public sealed record AuditVerification
{
    public required long Records { get; init; }
    public long FirstSeq { get; init; }
    public long LastSeq { get; init; }
    public string? HeadHash { get; init; }
    public required IReadOnlyList<AuditProblem> Problems { get; init; }

    /// <summary>Problems found beyond the ones listed (the list is capped).</summary>
    public long MoreProblems { get; init; }
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Recomputes a hash chain and explains any break: edited, deleted, inserted, reordered or truncated records.
/// Streams the records (constant memory), so it works on logs of any size.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>How far from its position a moved record is searched for; beyond that it reads as "edited".</summary>
    private const int MoveSearchWindow = 64;

    private const int MaxListedProblems = 200;

    /// <summary>Verifies an audit database (one consistent snapshot).</summary>
    public static AuditVerification Verify(AuditLogReader reader) => reader.ReadSnapshot((head, records) => Verify(records, head, headKnown: true));

    /// <summary>
    /// Verifies records in stored order. <paramref name="headKnown"/> is false for an export, which carries no
    /// head row: then a truncated tail cannot be told from a shorter log.
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditRecord> records, AuditHead? head, bool headKnown)
    {
        var problems = new List<AuditProblem>();
        long more = 0;
        void Add(AuditProblemKind kind, long seq, string message)
        {
            if (problems.Count < MaxListedProblems)
            {
                problems.Add(new AuditProblem(kind, seq, message));
            }
            else
            {
                more++;
            }
        }

        long count = 0, firstSeq = 0, lastSeq = 0, prevSeq = 0, prevPrevSeq = 0;
        var lastHash = AuditCanonicalForm.GenesisHash;
        var prevPrevHash = AuditCanonicalForm.GenesisHash;
        var previousMoved = false;
        // A run of consecutive records all moved by the same offset is one problem (a renumbering), not one each.
        long runStart = 0, runEnd = 0, runOffset = 0;
        void FlushRun()
        {
            if (runStart != 0)
            {
                Add(AuditProblemKind.Reordered, runStart, runStart == runEnd
                    ? $"record {runStart} was written as record {runStart + runOffset}: records were reordered or renumbered."
                    : $"records {runStart}-{runEnd} were written as records {runStart + runOffset}-{runEnd + runOffset}: records were renumbered.");
                runStart = 0;
            }
        }

        foreach (var r in records)
        {
            count++;
            if (count == 1)
            {
                firstSeq = r.Seq;
            }

            var expected = prevSeq + 1;
            var gap = false;
            if (r.Seq < 1)
            {
                Add(AuditProblemKind.Inserted, r.Seq, $"record {r.Seq} has a sequence number the store never uses: it was inserted.");
            }
            else if (r.Seq > expected)
            {
                gap = true;
                var range = r.Seq - 1 == expected ? $"record {expected} is" : $"records {expected}-{r.Seq - 1} are";
                Add(AuditProblemKind.Deleted, expected, prevSeq == 0
                    ? $"{range} missing: deleted from the start of the log (the first record is {r.Seq})."
                    : $"{range} missing: deleted (record {r.Seq} follows record {prevSeq}).");
            }

            long? movedFrom = null;
            if (!string.Equals(AuditCanonicalForm.ComputeHash(r.PrevHash, r), r.EntryHash, StringComparison.Ordinal))
            {
                movedFrom = FindOriginalSeq(r);
                if (movedFrom is null)
                {
                    FlushRun();
                    Add(AuditProblemKind.Edited, r.Seq, $"record {r.Seq} was changed after it was written (its contents no longer match its hash).");
                }
            }

            if (movedFrom is { } original)
            {
                var offset = original - r.Seq;
                if (runStart != 0 && offset == runOffset && r.Seq == runEnd + 1)
                {
                    runEnd = r.Seq;
                }
                else
                {
                    FlushRun();
                    (runStart, runEnd, runOffset) = (r.Seq, r.Seq, offset);
                }
            }
            else
            {
                FlushRun();
            }

            // A moved record, or the one after it, breaks the link by construction: the move is the explanation.
            if (!string.Equals(r.PrevHash, lastHash, StringComparison.Ordinal) && !gap && !previousMoved)
            {
                if (count > 1 && string.Equals(r.PrevHash, prevPrevHash, StringComparison.Ordinal))
                {
                    Add(AuditProblemKind.Inserted, prevSeq, $"record {prevSeq} was inserted: record {r.Seq} links straight to record {prevPrevSeq}.");
                }
                else if (movedFrom is null && count == 1)
                {
                    Add(AuditProblemKind.BrokenLink, r.Seq, $"record {r.Seq} does not start the chain: records before it were removed or it was replaced.");
                }
                else if (movedFrom is null)
                {
                    Add(AuditProblemKind.BrokenLink, r.Seq, $"record {r.Seq} does not link to record {prevSeq}: record {prevSeq} was replaced or edited and re-hashed.");
                }
            }

            previousMoved = movedFrom is not null;
            prevPrevHash = lastHash;
            prevPrevSeq = prevSeq;
            lastHash = r.EntryHash;
            prevSeq = Math.Max(r.Seq, prevSeq);
            lastSeq = r.Seq;
        }

        FlushRun();

        if (headKnown)
        {
            if (head is null)
            {
                Add(AuditProblemKind.HeadMissing, lastSeq, "the chain head row is missing, so a truncated end cannot be ruled out: the file was edited.");
            }
            else if (head.Seq > lastSeq)
            {
                var range = head.Seq == lastSeq + 1 ? $"record {head.Seq} is" : $"records {lastSeq + 1}-{head.Seq} are";
                Add(AuditProblemKind.Truncated, lastSeq + 1, $"{range} missing: the end of the log was truncated (the store wrote up to {head.Seq}).");
            }
            else if (head.Seq < lastSeq)
            {
                var range = head.Seq + 1 == lastSeq ? $"record {lastSeq} was" : $"records {head.Seq + 1}-{lastSeq} were";
                Add(AuditProblemKind.Inserted, head.Seq + 1, $"{range} added after the store's last append ({head.Seq}): inserted.");
            }
            else if (!string.Equals(head.Hash, lastHash, StringComparison.Ordinal))
            {
                Add(AuditProblemKind.Edited, lastSeq, $"record {lastSeq} does not match the chain head: it was replaced.");
            }
        }

        return new AuditVerification
        {
            Records = count,
            FirstSeq = firstSeq,
            LastSeq = lastSeq,
            HeadHash = count == 0 ? null : lastHash,
            Problems = problems,
            MoreProblems = more,
        };
    }

    private static long? FindOriginalSeq(AuditRecord r)
    {
        for (long d = 1; d <= MoveSearchWindow; d++)
        {
            foreach (var candidate in (ReadOnlySpan<long>)[r.Seq - d, r.Seq + d])
            {
                if (candidate >= 1 && string.Equals(AuditCanonicalForm.ComputeHash(r.PrevHash, r, candidate), r.EntryHash, StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
