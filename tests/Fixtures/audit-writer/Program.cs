// Test fixture (not shipped): appends audit events to the database given as the first argument and prints
// "<seq> <requestId>" for each one only after AppendAsync returned, i.e. after its transaction committed.
// Usage: AuditWriter DB COUNT [CONCURRENCY] [TAG] [sqlite|journaled]   (COUNT 0 = until killed)
// "journaled" appends through JournaledAuditStore as `mcpguard run` does: committed = written to the process journal,
// where a record has no sequence yet, so it prints 0 for the seq.
using System.Globalization;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Secrets;

var db = args[0];
var count = long.Parse(args[1], CultureInfo.InvariantCulture);
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
var tag = args.Length > 3 ? args[3] : "w";
var journaled = args.Length > 4 && args[4] == "journaled";

// The test holds our stdin open; when it goes away (the test ended or crashed), so do we: an endless writer
// must never outlive its test.
_ = Task.Run(() =>
{
    Console.In.ReadToEnd();
    Environment.Exit(3);
});

await using var sqlite = journaled ? null : SqliteAuditStore.Open(db, new NoRedaction());
await using var journal = journaled ? McpGuard.Audit.Journal.JournaledAuditStore.Open(db, new NoRedaction()) : null;
var stdout = Console.Out;
var lockObj = new object();
long next = 0;

async Task Worker()
{
    while (true)
    {
        var i = Interlocked.Increment(ref next);
        if (count > 0 && i > count)
        {
            return;
        }

        var id = $"{tag}-{i}";
        var auditEvent = new AuditEvent
        {
            Time = DateTimeOffset.UtcNow,
            Kind = "message",
            Server = tag,
            Direction = "client-to-server",
            Method = "tools/call",
            Tool = "send_email",
            RequestId = id,
            Decision = "allow",
            Details = new JsonObject { ["i"] = i, ["to"] = "someone@example.test" },
        };
        long seq = 0;
        if (journal is not null)
        {
            await journal.AppendAsync(auditEvent);
        }
        else
        {
            seq = await sqlite!.AppendWithSeqAsync(auditEvent);
        }

        lock (lockObj)
        {
            stdout.WriteLine($"{seq} {id}");
            stdout.Flush();
        }
    }
}

await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));

internal sealed class NoRedaction : ISecretRedactor
{
    public string Redact(string text) => text;

    public void RedactInPlace(JsonNode? node)
    {
    }

    public bool ContainsSecret(string text) => false;
}
