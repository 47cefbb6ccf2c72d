using McpGuard.Audit;
using McpGuard.Audit.Journal;

namespace McpGuard.Cli.Tests;

/// <summary>
/// What a `run` killed inside its last journal write leaves beside a database: a journal no live process holds, with
/// one whole record (server "postmark") and then a frame cut short.
/// </summary>
internal static class KilledRunJournal
{
    /// <summary>Bytes of the frame cut short at the journal's end.</summary>
    public const int TornBytes = 10;

    /// <summary>Bytes of the damaged frame <see cref="WriteAsync"/> ends with when asked for one.</summary>
    public const int DamagedBytes = 12;

    /// <summary>
    /// Writes the journal beside <paramref name="databasePath"/>; returns its path. <paramref name="reasonLength"/> pads
    /// the record. <paramref name="damaged"/>: the journal ends with a whole frame whose checksum is wrong (damage, not
    /// a kill) instead of the frame cut short.
    /// </summary>
    public static async Task<string> WriteAsync(string databasePath, CancellationToken cancellationToken, int reasonLength = 0, bool damaged = false)
    {
        string journal;
        using (var writer = AuditJournalWriter.Create(AuditJournalFormat.DirectoryFor(databasePath)))
        {
            var record = new AuditRecordEncoder().Encode(
                new AuditEvent
                {
                    Time = DateTimeOffset.UnixEpoch,
                    Kind = "message",
                    Decision = "allow",
                    Server = "postmark",
                    Reason = reasonLength > 0 ? new string('r', reasonLength) : null,
                },
                new NoSecrets());
            writer.Add(record.Span);
            writer.Commit();
            journal = writer.Path;
        }

        // A frame header announcing 48 bytes, and only some of them; or announcing 4 bytes, all there, under a CRC-32
        // of 0 (theirs is not).
        byte[] tail = damaged ? [4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4] : [0x30, 0, 0, 0, 9, 9, 9, 9, 1, 2];
        await File.AppendAllBytesAsync(journal, tail, cancellationToken);
        return journal;
    }
}
