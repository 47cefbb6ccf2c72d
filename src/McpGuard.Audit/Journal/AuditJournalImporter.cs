using System.Buffers;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit.Journal;

/// <summary>
/// Moves records from the process journals beside an audit database into its hash chain. Each transaction takes
/// SQLite's write lock, reads how far every journal was imported (audit_journal), chains and inserts the whole
/// records after that point and moves the offsets, then commits: records and offsets land together, so whichever
/// process imports (the journal's owner, another `run`, or `audit verify`) imports each record exactly once.
/// A journal whose owner is dead is deleted once it is wholly imported; bytes at its end that never formed a whole
/// record are a write its owner never finished, so the message they described was never forwarded: they are dropped
/// and reported.
/// </summary>
internal sealed class AuditJournalImporter(SqliteAppendStatements statements, string directory)
{
    /// <summary>At most this many records per transaction, so other processes never wait long for the write lock.</summary>
    public const int MaxRecordsPerTransaction = 4096;

    /// <summary>A dead process's journal with a damaged record is renamed with this suffix and never imported again.</summary>
    public const string DamagedSuffix = ".damaged";

    private const int ReadChunk = 64 * 1024;

    /// <summary>
    /// Imports everything whole in every journal; returns how many records were imported and what was dropped.
    /// Throws <see cref="SqliteException"/> or <see cref="IOException"/> when the database or a journal cannot be used.
    /// </summary>
    public AuditJournalImport ImportAll()
    {
        if (!Directory.Exists(directory))
        {
            return new AuditJournalImport(0, []);
        }

        var total = 0;
        var problems = new List<string>();
        while (true)
        {
            var (imported, more) = ImportOnce(problems);
            total += imported;
            if (!more)
            {
                return new AuditJournalImport(total, problems);
            }
        }
    }

    private (int Imported, bool More) ImportOnce(List<string> problems)
    {
        var after = new List<(string Path, AfterCommit What)>();
        var imported = 0;
        var more = false;
        statements.Begin();
        try
        {
            // Listed under the write lock: a journal created after this is picked up by the next import.
            foreach (var path in Directory.EnumerateFiles(directory, "*" + AuditJournalFormat.Extension).Order(StringComparer.Ordinal))
            {
                var budget = MaxRecordsPerTransaction - imported;
                if (budget <= 0)
                {
                    more = true;
                    break;
                }

                var result = ImportJournal(path, budget, problems);
                imported += result.Imported;
                more |= result.More;
                if (result.After != AfterCommit.Keep)
                {
                    after.Add((path, result.After));
                }
            }

            statements.Commit();
        }
        catch
        {
            statements.Rollback();
            throw;
        }

        foreach (var (path, what) in after)
        {
            // After the commit: the offset row says how far it is imported, so a crash before this only leaves a file
            // the next import finds nothing new in and deletes (or sets aside) then.
            if (what == AfterCommit.Delete)
            {
                File.Delete(path);
            }
            else
            {
                File.Move(path, path + DamagedSuffix, overwrite: true);
            }
        }

        return (imported, more);
    }

    private enum AfterCommit
    {
        Keep,
        Delete,
        SetAside,
    }

    private (int Imported, bool More, AfterCommit After) ImportJournal(string path, int budget, List<string> problems)
    {
        var name = Path.GetFileName(path);
        FileStream file;
        try
        {
            // Opened for writing only to probe the owner's lock (a POSIX write lock needs a writable handle).
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
            });
        }
        catch (FileNotFoundException)
        {
            return (0, false, AfterCommit.Keep); // deleted by its owner or another import since the listing
        }

        using (file)
        {
            var alive = AuditJournalWriter.IsOwnerAlive(path, file);
            var recorded = statements.JournalOffset(name);
            var offset = recorded ?? AuditJournalFormat.Magic.Length;
            var length = RandomAccess.GetLength(file.SafeFileHandle);
            if (offset == AuditJournalFormat.Magic.Length && length >= offset && !HasMagic(file))
            {
                problems.Add($"{path} is not an McpGuard audit journal; it was left as it is.");
                return (0, false, AfterCommit.Keep);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
            try
            {
                var imported = 0;
                var filled = 0; // bytes in buffer, starting at file position 'offset'
                var damaged = false;
                while (true)
                {
                    var toRead = (int)Math.Min(buffer.Length - filled, length - offset - filled);
                    if (toRead > 0)
                    {
                        filled += RandomAccess.Read(file.SafeFileHandle, buffer.AsSpan(filled, toRead), offset + filled);
                    }

                    var at = 0;
                    while (imported < budget && at < filled && !damaged)
                    {
                        var status = AuditJournalFormat.ReadFrame(buffer.AsSpan(at, filled - at), out var payload, out var frameLength);
                        if (status == AuditJournalFormat.FrameStatus.Incomplete)
                        {
                            break;
                        }

                        damaged = status == AuditJournalFormat.FrameStatus.Damaged
                            || !TryInsert(buffer.AsMemory(at + payload.Start.Value, payload.End.Value - payload.Start.Value));
                        if (!damaged)
                        {
                            imported++;
                            at += frameLength;
                        }
                    }

                    offset += at;
                    filled -= at;
                    buffer.AsSpan(at, filled).CopyTo(buffer);
                    if (imported >= budget)
                    {
                        RecordOffset(name, recorded, offset);
                        return (imported, true, AfterCommit.Keep);
                    }

                    if (damaged || offset + filled >= length)
                    {
                        break; // the end of what is written, or a frame that is not a record
                    }

                    if (filled == buffer.Length)
                    {
                        // One record larger than the buffer: grow it to hold the whole frame.
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                var rest = length - offset;
                if (rest > 0 && damaged)
                {
                    // A whole frame that is not a record: damage or tampering, not a kill. Nothing after it is taken
                    // for a record; a dead owner's file is kept aside (renamed) for whoever investigates.
                    // While its owner runs the file may still grow: the text names no byte count then, so the same
                    // damage reads the same on every import and is reported once (JournaledAuditStore).
                    problems.Add(alive
                        ? $"{path}: the record at byte {offset} is damaged; nothing from there on is imported while its process runs."
                        : $"{path}: the record at byte {offset} is damaged; the {rest} bytes from there were not imported (the file was kept as {name}{DamagedSuffix}).");
                    RecordOffset(name, recorded, offset);
                    return (imported, false, alive ? AfterCommit.Keep : AfterCommit.SetAside);
                }

                if (rest > 0 && !alive)
                {
                    // The owner died inside a write: it never saw the write complete, so it never forwarded the
                    // message those bytes described. Nothing acknowledged is lost.
                    problems.Add($"{path}: {rest} bytes at the end were a write cut short (its process was killed, or the write failed); that write never completed, so the message it described was never forwarded. They were dropped.");
                    offset = length;
                }

                RecordOffset(name, recorded, offset);
                return (imported, false, !alive && offset >= length ? AfterCommit.Delete : AfterCommit.Keep);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Writes the journal's new offset in the open transaction; nothing when it did not move, so an import that finds
    /// nothing new in the other processes' live journals writes no rows for them.
    /// </summary>
    private void RecordOffset(string name, long? recorded, long offset)
    {
        if (recorded != offset)
        {
            statements.SetJournalOffset(name, offset);
        }
    }

    private bool TryInsert(ReadOnlyMemory<byte> record)
    {
        try
        {
            statements.Insert(record);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool HasMagic(FileStream file)
    {
        Span<byte> magic = stackalloc byte[AuditJournalFormat.Magic.Length];
        return RandomAccess.Read(file.SafeFileHandle, magic, 0) == magic.Length && magic.SequenceEqual(AuditJournalFormat.Magic);
    }
}

/// <summary>What one import did: records moved into the chain, and what could not be (one sentence each).</summary>
internal sealed record AuditJournalImport(int Imported, IReadOnlyList<string> Problems);
