using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace McpGuard.Audit.Tests;

internal static class AuditTestData
{
    public static string AuditWriterPath { get; } = typeof(AuditTestData).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AuditWriterPath").Value!;

    public static AuditEvent Event(int i, string server = "postmark", string decision = "allow", string? tool = "send_email") => new()
    {
        Time = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Kind = "tool-call",
        Server = server,
        Direction = "client-to-server",
        Method = "tools/call",
        Tool = tool,
        RequestId = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Decision = decision,
        Reason = $"event {i}",
        Details = new JsonObject { ["to"] = $"user{i}@example.test", ["n"] = i, ["nested"] = new JsonArray("a", "ü <b>", 1.5) },
    };

    public static async Task<string> CreateLogAsync(string dir, int count, string name = "audit.db")
    {
        var path = Path.Combine(dir, name);
        await using var store = SqliteAuditStore.Open(path, new FakeRedactor());
        for (var i = 1; i <= count; i++)
        {
            await store.AppendAsync(Event(i), TestContext.Current.CancellationToken);
        }

        return path;
    }

    public static AuditVerification Verify(string path)
    {
        using var reader = AuditLogReader.Open(path);
        return AuditChainVerifier.Verify(reader);
    }

    /// <summary>Tampers through a separate raw connection, as an attacker with file access would (triggers dropped first).</summary>
    public static void Tamper(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; " + sql;
        cmd.ExecuteNonQuery();
    }

    public static AuditRecord ReadRecord(string path, long seq)
    {
        using var reader = AuditLogReader.Open(path);
        return reader.Query(new AuditQuery()).Single(r => r.Seq == seq);
    }
}
