using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// The audit journal's failure paths on real `mcpguard` processes (docs/audit.md "The process journal"): a journal
/// write that fails stops the session before anything it describes is forwarded, either way; a journal left by a
/// killed process is imported and reported when the next `run` starts; a reader that cannot write the database says
/// what it could not include.
/// </summary>
public sealed class JournalFailurePathTests
{
    // A minimal MCP server (test fixture): appends every line it receives to the file named by its first argument and
    // answers every request, so the test can tell exactly what reached it. Given two FIFOs, it holds each tools/call's
    // answer until the test has read "got" from the first and written to the second.
    private const string RecordingServer = """
        // Test fixture: records what the proxy forwards; talks to nobody but its stdin/stdout.
        const fs = require('node:fs');
        const [log, got, go] = process.argv.slice(2);
        const lines = require('node:readline').createInterface({ input: process.stdin });
        lines.on('line', line => {
          fs.appendFileSync(log, line + '\n');
          const message = JSON.parse(line);
          if (message.id === undefined) return;
          if (message.method === 'tools/call' && got) {
            fs.writeFileSync(got, 'got');
            fs.readFileSync(go);
          }
          const result = message.method === 'initialize'
            ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'recording', version: '1' } }
            : { content: [{ type: 'text', text: 'ok' }] };
          process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) + '\n');
        });
        lines.on('close', () => process.exit(0));
        """;

    // A minimal MCP server (test fixture) whose one tool GETs http://api.example.test/status (through McpGuard's egress
    // proxy: the Node preload routes it there) and answers with what it got, also appended to the file named by its
    // first argument. With {"wait":true} it first waits for the test (writes "got" to one FIFO, reads the other); with
    // {"quiet":true} it only appends what it got and sends nothing back. It exits when its stdin closes, once every
    // call has its line in the file.
    private const string EgressServer = """
        // Test fixture: its only peer besides stdin/stdout is McpGuard's egress proxy on 127.0.0.1.
        const fs = require('node:fs');
        const http = require('node:http');
        const [log, got, go] = process.argv.slice(2);
        let calls = 0, closed = false;
        const answer = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n');
        const lines = require('node:readline').createInterface({ input: process.stdin });
        lines.on('line', line => {
          const message = JSON.parse(line);
          if (message.id === undefined) return;
          if (message.method !== 'tools/call') {
            answer(message.id, { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'egress', version: '1' } });
            return;
          }
          calls++;
          if (message.params.arguments.wait) {
            fs.writeFileSync(got, 'got');
            fs.readFileSync(go);
          }
          const reply = text => {
            fs.appendFileSync(log, text + '\n');
            if (!message.params.arguments.quiet) answer(message.id, { content: [{ type: 'text', text }] });
            if (--calls === 0 && closed) process.exit(0);
          };
          http.get('http://api.example.test/status', response => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', chunk => body += chunk);
            response.on('end', () => reply(`HTTP ${response.statusCode} ${body}`));
          }).on('error', error => reply(`request failed: ${error.message}`));
        });
        lines.on('close', () => { closed = true; if (calls === 0) process.exit(0); });
        """;

    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"failpath-test","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A journal write that fails for real: the running proxy's file size limit (RLIMIT_FSIZE, what `ulimit -f` sets)
    /// is lowered to just past what its journal holds, so the write of the next event stops at the limit with EFBIG,
    /// as on a full disk. The tool call that event describes must never reach the server.
    /// </summary>
    [Fact]
    public async Task Run_JournalWriteFails_CallNeverReachesServer_SessionStopsWithMessageNamingTheJournal()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var received = Path.Combine(dir.Path, "received.jsonl");
        using var run = await StartInitializedAsync(dir, audit, [], "node", dir.Write("server.js", RecordingServer), received);
        var (guard, stderr) = (run.Process, run.Stderr);

        // Every event so far is committed (the answer was forwarded after its commit); leave room for a few bytes more.
        var journal = Assert.Single(Directory.GetFiles(audit + ".journals", "*.jnl"));
        await LimitFileSizeAsync(guard, new FileInfo(journal).Length + 256);

        // The call's event holds its arguments, so it is far larger than the room left: its write fails.
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 2,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "MARKER-" + new string('x', 8192) } },
        };
        await SendAsync(guard, call.ToJsonString());

        var output = await AssertStoppedOnAuditFailureAsync(guard, stderr, journal);
        Assert.DoesNotContain("\"id\":2", output, StringComparison.Ordinal);

        var serverSaw = await File.ReadAllTextAsync(received, Ct);
        Assert.Contains("\"method\":\"initialize\"", serverSaw, StringComparison.Ordinal);
        Assert.DoesNotContain("MARKER", serverSaw, StringComparison.Ordinal);

        // The chain holds what was committed and not the failed event; the cut-short write is reported, not imported.
        var verify = await CliHarness.RunAsync("audit", "verify", "--audit", audit);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("write cut short", verify.Error, StringComparison.Ordinal);
        var events = await ExportAsync(audit);
        Assert.Contains(events, e => e["method"]?.ToString() == "initialize");
        Assert.DoesNotContain(events, e => e["requestId"]?.ToString() == "2");
        Assert.DoesNotContain(events, e => e.ToJsonString().Contains("MARKER", StringComparison.Ordinal));
    }

    /// <summary>
    /// The other direction: the call's event is committed and the call forwarded; then the limit leaves no room, so
    /// the server's answer cannot be recorded and must never reach the client.
    /// </summary>
    [Fact]
    public async Task Run_JournalWriteFailsForAnswer_AnswerNeverReachesClient_SessionStopsWithMessage()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var received = Path.Combine(dir.Path, "received.jsonl");
        var got = await MakeFifoAsync(dir, "got");
        var go = await MakeFifoAsync(dir, "go");
        using var run = await StartInitializedAsync(dir, audit, [], "node", dir.Write("server.js", RecordingServer), received, got, go);
        var (guard, stderr) = (run.Process, run.Stderr);

        await SendAsync(guard, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}""");
        // The server has the call, so its event was committed; it answers once told to.
        Assert.Equal("got", await Task.Run(() => File.ReadAllText(got), Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct));
        var journal = Assert.Single(Directory.GetFiles(audit + ".journals", "*.jnl"));
        await LimitFileSizeAsync(guard, new FileInfo(journal).Length);
        await Task.Run(() => File.WriteAllText(go, "go"), Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        var output = await AssertStoppedOnAuditFailureAsync(guard, stderr, journal);
        Assert.DoesNotContain("\"id\":2", output, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"tools/call\"", await File.ReadAllTextAsync(received, Ct), StringComparison.Ordinal);

        var events = await ExportAsync(audit);
        Assert.Contains(events, e => e["requestId"]?.ToString() == "2" && e["direction"]?.ToString() == "client-to-server");
        Assert.DoesNotContain(events, e => e["requestId"]?.ToString() == "2" && e["direction"]?.ToString() == "server-to-client");
    }

    /// <summary>
    /// The import at exit fails for real: the running proxy's file size limit (RLIMIT_FSIZE) is lowered to leave room for
    /// its own few small events but none for importing a 1 MiB record into SQLite's write-ahead log (as on a full disk),
    /// and then a journal of a killed process holding that record is put beside the database. The background import
    /// only runs once this process commits something new, and then fails the same way, so the import at exit is
    /// bound to fail. `run` must say so on stderr after the session, keep its exit code, and leave every record for
    /// the next reader.
    /// </summary>
    [Fact]
    public async Task Run_ImportAtExitFails_WarnedOnStderrAfterTheSession_ExitCodeKept_NextReaderImportsTheRecords()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var received = Path.Combine(dir.Path, "received.jsonl");
        using var run = await StartInitializedAsync(dir, audit, [], "node", dir.Write("server.js", RecordingServer), received);

        var own = Assert.Single(Directory.GetFiles(audit + ".journals", "*.jnl"));
        var largest = Directory.GetFiles(dir.Path, "audit.db*").Append(own).Max(f => new FileInfo(f).Length);
        var limit = largest + 64 * 1024;
        Assert.True(limit < 512 * 1024, $"the audit files are already {largest} bytes; the limit would not stop the import");
        await LimitFileSizeAsync(run.Process, limit);
        var dead = await KilledRunJournal.WriteAsync(audit, Ct, reasonLength: 1024 * 1024);

        var err = await ClientLeavesAsync(run);
        Assert.Contains(
            $"mcpguard: warning: importing the audit journals into {audit} failed (the records stay in {audit}.journals; the next mcpguard that opens the audit log imports them): ",
            err,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", err, StringComparison.Ordinal);
        Assert.True(File.Exists(own) && File.Exists(dead), "journals that could not be imported are kept");

        // The next reader imports both journals: this run's events (its end included) and the killed run's record.
        var verify = await CliHarness.RunAsync("audit", "verify", "--audit", audit);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("intact, 4 records (1-4)", verify.Out, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(audit + ".journals", "*.jnl"));
        var events = await ExportAsync(audit);
        Assert.Contains(events, e => e["method"]?.ToString() == "initialize" && e["direction"]?.ToString() == "client-to-server");
        Assert.Contains(events, e => e["kind"]?.ToString() == "process" && e["reason"]?.ToString() == "client disconnected; server stopped");
        Assert.Contains(events, e => e["server"]?.ToString() == "postmark" && e["reason"]?.ToString().Length == 1024 * 1024);
    }

    /// <summary>
    /// The egress proxy under a journal write failure: a server's outbound request whose audit event cannot be written
    /// must never be sent, and the server must be told why (a 503 naming the audit log) instead of a dropped connection.
    /// First a request goes through (so the upstream would see one); then, while the server holds a second tool call,
    /// the proxy's file size limit is lowered to what its journal holds, so the egress event's write fails with EFBIG.
    /// The server sends nothing back after the 503 (quiet) and the client sends nothing more: the session must stop
    /// because of the failed egress event itself, not at some later message it could not record.
    /// </summary>
    [Fact]
    public async Task Run_EgressEventCannotBeWritten_RequestNeverSent_ServerGets503_SessionStopsAtOnce()
    {
        using var dir = new TempDirectory();
        using var upstream = new CountingHttpServer();
        var audit = Path.Combine(dir.Path, "audit.db");
        var log = Path.Combine(dir.Path, "server.log");
        var got = await MakeFifoAsync(dir, "got");
        var go = await MakeFifoAsync(dir, "go");
        using var run = await StartInitializedAsync(
            dir,
            audit,
            ["--allow-host", "api.example.test", "--egress-resolve", $"api.example.test=127.0.0.1:{upstream.Port}"],
            "node",
            dir.Write("server.js", EgressServer),
            log,
            got,
            go);
        var (guard, stderr) = (run.Process, run.Stderr);

        await SendAsync(guard, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"status","arguments":{}}}""");
        var first = await ReadMessageAsync(guard, stderr);
        Assert.Equal("HTTP 200 ok", first["result"]?["content"]?[0]?["text"]?.ToString());
        Assert.Equal(1, upstream.Requests);

        await SendAsync(guard, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"status","arguments":{"wait":true,"quiet":true}}}""");
        // The server has the call, so its event was committed; no room is left for the next one, the egress event.
        Assert.Equal("got", await Task.Run(() => File.ReadAllText(got), Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct));
        var journal = Assert.Single(Directory.GetFiles(audit + ".journals", "*.jnl"));
        await LimitFileSizeAsync(guard, new FileInfo(journal).Length);
        await Task.Run(() => File.WriteAllText(go, "go"), Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        // No message follows the failed egress event; the session stops on it (stdin stays open, the server is quiet).
        var output = await AssertStoppedOnAuditFailureAsync(guard, stderr, journal);
        Assert.DoesNotContain("\"id\":3", output, StringComparison.Ordinal);
        Assert.Contains("mcpguard: egress request not sent: its audit event could not be written", await stderr, StringComparison.Ordinal);
        var serverGot = (await File.ReadAllLinesAsync(log, Ct)).ToList();
        Assert.Equal(["HTTP 200 ok", """HTTP 503 {"error":"not sent: McpGuard could not record this request in its audit log"}"""], serverGot);
        Assert.Equal(1, upstream.Requests);

        var events = await ExportAsync(audit);
        Assert.Contains(events, e => e["kind"]?.ToString() == "egress" && e["requestId"]?.ToString() == "2" && e["decision"]?.ToString() == "allow");
        Assert.DoesNotContain(events, e => e["kind"]?.ToString() == "egress" && e["requestId"]?.ToString() == "3");
    }

    /// <summary>
    /// The next `run` after a killed one: the dead journal goes into the chain before this run starts its own, and the
    /// write that was cut short is reported on stderr (which the client shows), not silently dropped.
    /// </summary>
    [Fact]
    public async Task Run_JournalLeftByAKilledRun_ImportedAtStartAndTornTailWarnedOnStderr()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var journal = await KilledRunJournal.WriteAsync(audit, Ct);

        // Stdin is closed at once: the client leaves, the server is stopped and run exits 0.
        var (code, _, err) = await ProcessRunner.RunAsync(
            "dotnet",
            [RepoPaths.McpGuardDll, "run", "--sandbox", "none", "--audit", audit, "--", "node", "-e", "process.stdin.resume()"],
            new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "home") },
            dir.Path,
            TimeSpan.FromSeconds(60),
            Ct);
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.Contains($"mcpguard: warning: {journal}: {KilledRunJournal.TornBytes} bytes at the end were a write cut short", err, StringComparison.Ordinal);
        Assert.False(File.Exists(journal), "an imported dead journal is deleted");

        var events = await ExportAsync(audit);
        Assert.Equal("postmark", events[0]["server"]?.ToString());
        Assert.Contains(events.Skip(1), e => e["kind"]?.ToString() == "process");
        Assert.Empty(Directory.GetFiles(audit + ".journals"));
    }

    /// <summary>
    /// Problems the background import finds while `run` is live reach its stderr once each, when found: a journal a
    /// killed `run` left with a write cut short (imported, then deleted), one left damaged (set aside), and a file in
    /// the journal folder that is not a journal at all (found again by every import, so it tests the once). They are
    /// put beside the database of a live run, which imports them on its next ticks (a tick imports when this run
    /// committed something new: the test keeps pinging). A later journal, found by a later tick, proves that more
    /// imports ran after the first warnings; still each appears once, during the session and in all.
    /// </summary>
    [Fact]
    public async Task Run_ProblemsFoundByTheBackgroundImport_WarnedOnStderrWhileLive_OnceEach()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var received = Path.Combine(dir.Path, "received.jsonl");
        using var run = await StartInitializedAsync(dir, audit, [], "node", dir.Write("server.js", RecordingServer), received);

        // Each file is written elsewhere and renamed into the folder, so the live run's import never sees one half
        // written (it would take an unlocked journal without its last bytes for a finished one).
        var staging = Path.Combine(dir.Path, "staging");
        Directory.CreateDirectory(staging);
        string Place(string written)
        {
            var placed = Path.Combine(audit + ".journals", Path.GetFileName(written));
            File.Move(written, placed);
            return placed;
        }

        var torn = Place(await KilledRunJournal.WriteAsync(Path.Combine(staging, "a.db"), Ct));
        var damaged = Place(await KilledRunJournal.WriteAsync(Path.Combine(staging, "a.db"), Ct, damaged: true));
        await File.WriteAllTextAsync(Path.Combine(staging, "0-notajournal.jnl"), "this is not an audit journal", Ct);
        var notAJournal = Place(Path.Combine(staging, "0-notajournal.jnl"));
        string[] warnings =
        [
            $"mcpguard: warning: {torn}: {KilledRunJournal.TornBytes} bytes at the end were a write cut short",
            $"mcpguard: warning: {damaged}: the record at byte ",
            $"mcpguard: warning: {notAJournal} is not an McpGuard audit journal; it was left as it is.",
        ];
        var id = 10;
        await PingUntilAsync(run, () => warnings.All(w => run.StderrSoFar.Contains(w, StringComparison.Ordinal)), () => id++);
        Assert.Contains($"is damaged; the {KilledRunJournal.DamagedBytes} bytes from there were not imported", run.StderrSoFar, StringComparison.Ordinal);

        var later = Place(await KilledRunJournal.WriteAsync(Path.Combine(staging, "a.db"), Ct));
        var laterWarning = $"mcpguard: warning: {later}: {KilledRunJournal.TornBytes} bytes at the end were a write cut short";
        await PingUntilAsync(run, () => run.StderrSoFar.Contains(laterWarning, StringComparison.Ordinal), () => id++);
        var live = run.StderrSoFar;
        Assert.All(warnings.Append(laterWarning), w => Assert.True(Occurrences(live, w) == 1, $"'{w}' not once while live:\n{live}"));
        Assert.False(File.Exists(torn) || File.Exists(damaged) || File.Exists(later), "dead journals are imported (and the damaged one set aside)");

        var err = await ClientLeavesAsync(run);
        Assert.All(warnings.Append(laterWarning), w => Assert.True(Occurrences(err, w) == 1, $"'{w}' not once in all:\n{err}"));
        Assert.DoesNotContain("postmark", err, StringComparison.Ordinal); // the journals' record: never a record's content
        Assert.Equal(4, err.Split('\n').Count(l => l.StartsWith("mcpguard: warning: ", StringComparison.Ordinal)));
    }

    /// <summary>Pings the live run (each ping's events are new for its import tick to import) until <paramref name="done"/>, for at most 60 s.</summary>
    private static async Task PingUntilAsync(RunningGuard run, Func<bool> done, Func<int> nextId)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "no warning within 60 s; stderr so far:\n" + run.StderrSoFar);
            var id = nextId();
            await SendAsync(run.Process, $$"""{"jsonrpc":"2.0","id":{{id}},"method":"ping"}""");
            Assert.Equal(id, (int)(await ReadMessageAsync(run.Process, run.Stderr))["id"]!);
            await Task.Delay(50, Ct); // poll interval, not synchronisation: the loop waits for done()
        }
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// A reader (`audit verify`) that cannot write the database cannot import a dead journal: it still reads what is
    /// in the database, warns that the journal's records are not shown, and leaves the journal for the next reader.
    /// The write fails for real: the reader runs under a 64 KiB file size limit, room for SQLite's 32 KiB shared-memory
    /// index but not for the write-ahead log the import of a 256 KiB record needs (as on a full disk).
    /// </summary>
    [Fact]
    public async Task Verify_ReaderCannotWriteTheDatabase_WarnsTheJournalIsNotShown_AndTheNextReaderImportsIt()
    {
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        await using (var store = Audit.SqliteAuditStore.Open(audit, new NoSecrets()))
        {
            await store.AppendAsync(new Audit.AuditEvent { Time = DateTimeOffset.UnixEpoch, Kind = "process", Decision = "info" }, Ct);
        }

        var journal = await KilledRunJournal.WriteAsync(audit, Ct, reasonLength: 256 * 1024);

        // Under a file size limit the runtime's W^X double mapping cannot size its memory file and CoreCLR does not
        // start; the Native AOT binary has no JIT and no such mapping.
        var (code, stdout, err) = await ProcessRunner.RunAsync(
            "prlimit",
            ["--fsize=65536:unlimited", "dotnet", RepoPaths.McpGuardDll, "audit", "verify", "--audit", audit],
            new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" },
            dir.Path,
            TimeSpan.FromSeconds(60),
            Ct);
        Assert.True(code == 0, $"exit {code}: {stdout}{err}");
        Assert.Contains("intact, 1 records (1-1)", stdout, StringComparison.Ordinal);
        Assert.Contains($"warning: 1 audit journal(s) in {audit}.journals could not be imported into {audit} (", err, StringComparison.Ordinal);
        Assert.Contains("records still in them are not shown", err, StringComparison.Ordinal);
        Assert.True(File.Exists(journal), "a journal that could not be imported is kept");

        var next = await CliHarness.RunAsync("audit", "verify", "--audit", audit);
        Assert.Contains("intact, 2 records (1-2)", next.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(journal));
    }

    /// <summary>
    /// The proxy ended the session on its own (the test keeps stdin open), said why naming the journal, and exited 2,
    /// without a stack trace. Returns everything it wrote to the client.
    /// </summary>
    private static async Task<string> AssertStoppedOnAuditFailureAsync(Process guard, Task<string> stderr, string journal)
    {
        var output = await guard.StandardOutput.ReadToEndAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await guard.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var err = await stderr;
        Assert.True(guard.ExitCode == 2, $"exit {guard.ExitCode}: {err}");
        Assert.Contains($"mcpguard: stopped 'server': audit journal write to {journal} failed: File too large", err, StringComparison.Ordinal);
        Assert.Contains("file size limit", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", err, StringComparison.Ordinal);
        return output;
    }

    /// <summary>The client leaves (stdin closed): `run` stops the server and exits 0. Returns all of its stderr.</summary>
    private static async Task<string> ClientLeavesAsync(RunningGuard run)
    {
        run.Process.StandardInput.Close();
        await run.Process.StandardOutput.ReadToEndAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await run.Process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var err = await run.Stderr;
        Assert.True(run.Process.ExitCode == 0, $"exit {run.Process.ExitCode}: {err}");
        return err;
    }

    /// <summary>The chain as a user exports it (`audit export --format jsonl`), pending journals imported first.</summary>
    private static async Task<List<JsonNode>> ExportAsync(string audit)
    {
        var export = await CliHarness.RunAsync("audit", "export", "--format", "jsonl", "--audit", audit);
        Assert.True(export.ExitCode == 0, export.Error);
        return [.. export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }

    private static async Task<string> MakeFifoAsync(TempDirectory dir, string name)
    {
        var path = Path.Combine(dir.Path, name);
        var made = await ProcessRunner.RunAsync("mkfifo", [path], null, null, TimeSpan.FromSeconds(30), Ct);
        Assert.True(made.Code == 0, "mkfifo failed: " + made.Err);
        return path;
    }

    /// <summary>Sets the running process's file size limit (RLIMIT_FSIZE, soft; what `ulimit -f` sets) to <paramref name="bytes"/>.</summary>
    private static async Task LimitFileSizeAsync(Process process, long bytes)
    {
        var prlimit = await ProcessRunner.RunAsync(
            "prlimit", ["--pid", process.Id.ToString(CultureInfo.InvariantCulture), $"--fsize={bytes}:unlimited"], null, null, TimeSpan.FromSeconds(30), Ct);
        Assert.True(prlimit.Code == 0, "prlimit failed: " + prlimit.Err);
    }

    /// <summary>
    /// Starts `mcpguard run --sandbox none --audit AUDIT RUNOPTIONS -- SERVER` and completes once it has answered the
    /// client's initialize; the result kills the process if the test ends (fails) while it still runs.
    /// </summary>
    private static async Task<RunningGuard> StartInitializedAsync(TempDirectory dir, string audit, string[] runOptions, params string[] server)
    {
        var process = StartRun(dir, audit, runOptions, server);
        var running = new RunningGuard(process, new StderrCapture(process.StandardError));
        try
        {
            await SendAsync(process, Initialize);
            Assert.NotNull((await ReadMessageAsync(process, running.Stderr))["result"]);
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    private static Process StartRun(TempDirectory dir, string audit, string[] runOptions, string[] server)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[RepoPaths.McpGuardDll, "run", "--sandbox", "none", "--audit", audit, .. runOptions, "--", .. server])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["MCPGUARD_HOME"] = Path.Combine(dir.Path, "home");
        return Process.Start(psi)!;
    }

    /// <summary>A running `mcpguard run` and its whole stderr (read as it comes); killed on dispose if still running.</summary>
    private sealed record RunningGuard(Process Process, StderrCapture Capture) : IDisposable
    {
        /// <summary>All of stderr, once the process closed it.</summary>
        public Task<string> Stderr => Capture.All;

        /// <summary>What stderr said so far.</summary>
        public string StderrSoFar => Capture.SoFar;

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }

    /// <summary>Reads a process's stderr as it comes, so a test can look at it while the process runs.</summary>
    private sealed class StderrCapture
    {
        private readonly System.Text.StringBuilder _text = new();

        public StderrCapture(StreamReader reader)
        {
            All = ReadAsync(reader);
        }

        public Task<string> All { get; }

        public string SoFar
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        private async Task<string> ReadAsync(StreamReader reader)
        {
            var buffer = new char[4096];
            int read;
            while ((read = await reader.ReadAsync(buffer, Ct)) > 0)
            {
                lock (_text)
                {
                    _text.Append(buffer, 0, read);
                }
            }

            return SoFar;
        }
    }

    /// <summary>
    /// The upstream of the egress tests: a plain HTTP/1.1 server on 127.0.0.1:0 that answers every request "ok" and
    /// counts the requests that reached it.
    /// </summary>
    private sealed class CountingHttpServer : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _requests;

        public CountingHttpServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var head = new System.Text.StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            break;
                        }

                        head.Append(System.Text.Encoding.Latin1.GetString(buffer, 0, read));
                    }

                    Interlocked.Increment(ref _requests);
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), _stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException or IOException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }

    private static async Task SendAsync(Process guard, string line)
    {
        await guard.StandardInput.WriteLineAsync(line);
        await guard.StandardInput.FlushAsync(Ct);
    }

    private static async Task<JsonObject> ReadMessageAsync(Process guard, Task<string> stderr)
    {
        var line = await guard.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);
        return JsonNode.Parse(line ?? throw new InvalidOperationException("mcpguard closed stdout: " + await stderr))!.AsObject();
    }
}
