// Test fixture (not shipped): appends audit events to the database given as the first argument and prints
// "<seq> <requestId>" for each one only after AppendAsync returned, i.e. after its transaction committed.
// Usage: AuditWriter DB COUNT [CONCURRENCY] [TAG] [sqlite|journaled]   (COUNT 0 = until killed)
// "journaled" appends through JournaledAuditStore as `mcpguard run` does: committed = written to the process journal,
// where a record has no sequence yet, so it prints 0 for the seq.
// An append that fails prints "fail <requestId> <message>" and stops that worker; once every worker stopped that way,
// the writer waits for commands on stdin: "append" (one more append, printed the same way) and "dispose" (close the
// store, which imports its journal, and exit 0).
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Secrets;

var db = args[0];
var count = long.Parse(args[1], CultureInfo.InvariantCulture);
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
var tag = args.Length > 3 ? args[3] : "w";
var journaled = args.Length > 4 && args[4] == "journaled";

// A test may lower this process's file size limit to make a write fail for real: handle SIGXFSZ (as mcpguard does),
// so that write fails with EFBIG instead of killing the process.
var fileSizeSignal = OperatingSystem.IsLinux() ? PosixSignalRegistration.Create((PosixSignal)25, s => s.Cancel = true) : null;

await using var sqlite = journaled ? null : SqliteAuditStore.Open(db, new NoRedaction());
await using var journal = journaled ? McpGuard.Audit.Journal.JournaledAuditStore.Open(db, new NoRedaction()) : null;
var stdout = Console.Out;
var lockObj = new object();
long next = 0;
var failed = 0;
var dispose = new TaskCompletionSource();

// The test holds our stdin open; when it goes away (the test ended or crashed), so do we: an endless writer
// must never outlive its test.
_ = Task.Run(async () =>
{
    while (Console.In.ReadLine() is { } command)
    {
        if (command == "append")
        {
            await AppendAsync("probe", 0);
        }
        else if (command == "dispose")
        {
            dispose.TrySetResult();
            return;
        }
    }

    Environment.Exit(3);
});

async Task<bool> AppendAsync(string id, long i)
{
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
    string line;
    try
    {
        long seq = 0;
        if (journal is not null)
        {
            await journal.AppendAsync(auditEvent);
        }
        else
        {
            seq = await sqlite!.AppendWithSeqAsync(auditEvent);
        }

        line = $"{seq} {id}";
    }
    catch (AuditWriteException ex)
    {
        Interlocked.Exchange(ref failed, 1);
        line = $"fail {id} {ex.Message}";
    }

    lock (lockObj)
    {
        stdout.WriteLine(line);
        stdout.Flush();
    }

    return Volatile.Read(ref failed) == 0;
}

async Task Worker()
{
    while (true)
    {
        var i = Interlocked.Increment(ref next);
        if ((count > 0 && i > count) || !await AppendAsync($"{tag}-{i}", i))
        {
            return;
        }
    }
}

await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
if (Volatile.Read(ref failed) != 0)
{
    // Stopped by a failure, not by the count: the test probes the failed store, then asks for its disposal.
    await dispose.Task;
}

GC.KeepAlive(fileSizeSignal);

internal sealed class NoRedaction : ISecretRedactor
{
    public string Redact(string text) => text;

    public void RedactInPlace(JsonNode? node)
    {
    }

    public bool ContainsSecret(string text) => false;
}
