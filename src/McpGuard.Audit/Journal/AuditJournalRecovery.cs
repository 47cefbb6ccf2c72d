using Microsoft.Data.Sqlite;

namespace McpGuard.Audit.Journal;

/// <summary>Imports the journals pending beside a database before it is read (<see cref="AuditLogReader.Open"/>).</summary>
internal static class AuditJournalRecovery
{
    /// <summary>
    /// Imports every journal beside <paramref name="databasePath"/>; returns what could not be imported. Fails open:
    /// a reader that cannot write the database (a read-only copy, another user's file) still reads what is in it,
    /// and is told how many journals it could not include.
    /// </summary>
    public static IReadOnlyList<string> ImportPending(string databasePath)
    {
        var directory = AuditJournalFormat.DirectoryFor(databasePath);
        string[] journals;
        try
        {
            journals = Directory.Exists(directory) ? Directory.GetFiles(directory, "*" + AuditJournalFormat.Extension) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [$"cannot list the audit journals in {directory}: {ex.Message}; records still in them are not shown."];
        }

        if (journals.Length == 0)
        {
            return [];
        }

        try
        {
            using var connection = AuditSchema.OpenForWriting(databasePath, new SqliteAuditStoreOptions { Synchronous = AuditSynchronous.Normal });
            using var statements = new SqliteAppendStatements(connection.Handle!);
            return new AuditJournalImporter(statements, directory).ImportAll().Problems;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or Core.UserInputException)
        {
            return [$"{journals.Length} audit journal(s) in {directory} could not be imported into {databasePath} ({ex.Message}); records still in them are not shown."];
        }
    }
}
