namespace McpGuard.Audit;

/// <summary>How an audit commit reaches the disk.</summary>
public enum AuditSynchronous
{
    /// <summary>fsync the WAL on every commit: an acknowledged event survives a power cut, not only a crash.</summary>
    Full,

    /// <summary>No fsync per commit: survives a process crash (kill -9) but the last commits may be lost on power loss.</summary>
    Normal,
}

/// <summary>Limits and durability settings of <see cref="SqliteAuditStore"/>. Defaults carry their reason.</summary>
public sealed record SqliteAuditStoreOptions
{
    /// <summary>Full: the store promises "durable", and batching already amortises the fsync across concurrent appenders.</summary>
    public AuditSynchronous Synchronous { get; init; } = AuditSynchronous.Full;

    /// <summary>
    /// 256 events per transaction: enough to amortise one fsync across a burst of concurrent appenders, small enough
    /// that one transaction never holds the write lock other `mcpguard run` processes wait on for long.
    /// </summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>
    /// 30 s: several proxies share one file and each holds the write lock for one short transaction, so waiting is
    /// always short; a lock held longer than this means something is wrong, and the append fails (closed) loudly.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// 1 s between WAL checkpoints (<see cref="WalCheckpointer"/>): the WAL stays a few MB under a sustained burst, and
    /// a killed proxy leaves at most a second of records for SQLite to replay from it on the next open.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// 200 ms between imports of a journal into the database (<see cref="Journal.JournaledAuditStore"/>): a burst's
    /// records go in as a few large transactions, and `audit show` in another terminal is never more than this behind
    /// (it imports what is pending itself anyway).
    /// </summary>
    public TimeSpan ImportInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// 16 MB (some 40,000 events): past this a journal is closed and a new one started once imported, so a week-long
    /// session never keeps a large file of records that are already in the database.
    /// </summary>
    public long JournalRotateBytes { get; init; } = 16 * 1024 * 1024;

    public void Validate()
    {
        if (ImportInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ImportInterval), ImportInterval, "must be positive");
        }

        if (JournalRotateBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(JournalRotateBytes), JournalRotateBytes, "must be positive");
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, "must be positive");
        }

        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "must be at least 1");
        }

        if (BusyTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "must be positive");
        }
    }
}
