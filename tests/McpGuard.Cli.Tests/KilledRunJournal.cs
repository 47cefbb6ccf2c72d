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

    /// <summary>Writes the journal beside <paramref name="databasePath"/>; returns its path. <paramref name="reasonLength"/> pads the record.</summary>
    public static async Task<string> WriteAsync(string databasePath, CancellationToken cancellationToken, int reasonLength = 0)
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

        // A frame header announcing 48 bytes, and only some of them.
        await File.AppendAllBytesAsync(journal, [0x30, 0, 0, 0, 9, 9, 9, 9, 1, 2], cancellationToken);
        return journal;
    }
}
