using System.Diagnostics;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.TestSupport;
using Microsoft.Data.Sqlite;

namespace McpGuard.Cli.Tests;

public sealed class AuditCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> CreateLogAsync(string dir, int count = 20)
    {
        var path = Path.Combine(dir, "audit.db");
        await using var store = SqliteAuditStore.Open(path, new NoSecrets());
        var start = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= count; i++)
        {
            await store.AppendAsync(new AuditEvent
            {
                Time = start.AddMinutes(i),
                Kind = i % 4 == 0 ? "egress" : "tool-call",
                Server = i % 2 == 0 ? "postmark" : "files",
                Tool = i % 2 == 0 ? "send_email" : "read_file",
                Decision = i % 5 == 0 ? "block" : "allow",
                Reason = i % 5 == 0 ? "recipient not in the tool call: phan@giftshop.club" : null,
                RuleId = i % 5 == 0 ? "MCPG001" : null,
                Details = new JsonObject { ["i"] = i, ["text"] = "ünïcode \"quoted\" <tag> \n line" },
            }, Ct);
        }

        return path;
    }

    private static void Tamper(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; " + sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task Verify_JournalLeftByAKilledRun_ImportedFirstAndTornTailWarnedOnStderr()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path, count: 3);
        var journal = await KilledRunJournal.WriteAsync(path, Ct);

        var r = await CliHarness.RunAsync("audit", "verify", "--audit", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("intact, 4 records (1-4)", r.Out, StringComparison.Ordinal);
        Assert.Contains("warning:", r.Error, StringComparison.Ordinal);
        Assert.Contains("10 bytes at the end were a write cut short", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(journal), "an imported dead journal is deleted");
    }

    [Fact]
    public async Task Verify_IntactLog_ExitsZero()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path);
        var r = await CliHarness.RunAsync("audit", "verify", "--audit", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("intact, 20 records (1-20)", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EditedRecord_ExitsOneAndNamesIt()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path);
        Tamper(path, "UPDATE audit_log SET decision = 'allow' WHERE seq = 10");
        var r = await CliHarness.RunAsync("audit", "verify", "--audit", path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("TAMPERED", r.Out, StringComparison.Ordinal);
        Assert.Contains("seq 10: edited", r.Out, StringComparison.Ordinal);

        var json = await CliHarness.RunAsync("audit", "verify", "--audit", path, "--format", "json");
        Assert.Equal(1, json.ExitCode);
        var problem = JsonNode.Parse(json.Out)!["problems"]![0]!;
        Assert.Equal("edited", (string?)problem["kind"]);
        Assert.Equal(10, (long)problem["seq"]!);
    }

    [Fact]
    public async Task Verify_MissingOrForeignFile_ExitsTwo()
    {
        using var dir = new TempDirectory();
        var missing = await CliHarness.RunAsync("audit", "verify", "--audit", Path.Combine(dir.Path, "nope.db"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        var junk = dir.Write("junk.db", "this is not a database, just text padding it out to more than a page of nothing useful");
        var notDb = await CliHarness.RunAsync("audit", "verify", "--audit", junk);
        Assert.Equal(2, notDb.ExitCode);
        Assert.Contains("not an McpGuard audit database", notDb.Error, StringComparison.Ordinal);
        Assert.Single(notDb.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Verify_DefaultLocation_UsesMcpguardHome()
    {
        using var dir = new TempDirectory();
        await CreateLogAsync(dir.Path);
        var r = await CliHarness.RunAsync(["audit", "verify"], env: name => name == "MCPGUARD_HOME" ? dir.Path : null);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(Path.Combine(dir.Path, "audit.db"), r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Filters_ReturnOnlyMatchingEvents()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path);
        var r = await CliHarness.RunAsync("audit", "show", "--audit", path, "--server", "postmark", "--decision", "block", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var seqs = JsonNode.Parse(r.Out)!.AsArray().Select(n => (long)n!["seq"]!).ToList();
        Assert.Equal([10L, 20], seqs);
        Assert.Equal(10, (int)JsonNode.Parse(r.Out)!.AsArray()[0]!["details"]!["i"]!);

        var kind = await CliHarness.RunAsync("audit", "show", "--audit", path, "--kind", "egress", "--tool", "send_email", "--limit", "2", "--format", "json");
        Assert.Equal([16L, 20], JsonNode.Parse(kind.Out)!.AsArray().Select(n => (long)n!["seq"]!));

        var time = await CliHarness.RunAsync("audit", "show", "--audit", path, "--since", "2026-11-23T12:03:00Z", "--until", "2026-11-23T12:05:00Z", "--format", "json");
        Assert.Equal([3L, 4], JsonNode.Parse(time.Out)!.AsArray().Select(n => (long)n!["seq"]!));

        var table = await CliHarness.RunAsync("audit", "show", "--audit", path, "--decision", "block");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("MCPG001", table.Out, StringComparison.Ordinal);
        Assert.Contains("4 events.", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("read_file", table.Out.Replace("send_email", "", StringComparison.Ordinal).Split('\n').Where(l => l.Contains("allow", StringComparison.Ordinal)), StringComparer.Ordinal);
    }

    [Fact]
    public async Task Show_BadSince_ExitsTwoNamingTheOption()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path, 1);
        var r = await CliHarness.RunAsync("audit", "show", "--audit", path, "--since", "yesterday-ish");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--since", r.Error, StringComparison.Ordinal);
        // An age is relative to now: a century back includes the fixture event, an age in the future excludes it.
        var age = await CliHarness.RunAsync("audit", "show", "--audit", path, "--since", "36500d", "--format", "json");
        Assert.Equal(0, age.ExitCode);
        Assert.Single(JsonNode.Parse(age.Out)!.AsArray());
        var until = await CliHarness.RunAsync("audit", "show", "--audit", path, "--until", "36500d", "--format", "json");
        Assert.Empty(JsonNode.Parse(until.Out)!.AsArray());
    }

    [Fact]
    public async Task Export_Jsonl_ReverifiesWithMcpguardAndDetectsEdits()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path);
        var output = Path.Combine(dir.Path, "out", "audit.jsonl");
        var r = await CliHarness.RunAsync("audit", "export", "--audit", path, "--format", "jsonl", "--output", output);
        Assert.Equal(0, r.ExitCode);
        var lines = File.ReadAllLines(output);
        Assert.Equal(20, lines.Length);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal(AuditCanonicalForm.GenesisHash, (string?)first["prevHash"]);
        Assert.Equal(64, ((string?)first["entryHash"])!.Length);

        var stdout = await CliHarness.RunAsync("audit", "export", "--audit", path);
        Assert.Equal(File.ReadAllText(output), stdout.Out);

        var verify = await CliHarness.RunAsync("audit", "verify", "--audit", output);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("intact, 20 records", verify.Out, StringComparison.Ordinal);

        lines[6] = lines[6].Replace("\"decision\":\"allow\"", "\"decision\":\"block\"", StringComparison.Ordinal);
        File.WriteAllLines(output, lines);
        var tampered = await CliHarness.RunAsync("audit", "verify", "--audit", output);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("seq 7: edited", tampered.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Jsonl_ReverifiesWithAnIndependentNodeImplementation()
    {
        using var dir = new TempDirectory();
        var path = await CreateLogAsync(dir.Path);
        var output = Path.Combine(dir.Path, "audit.jsonl");
        Assert.Equal(0, (await CliHarness.RunAsync("audit", "export", "--audit", path, "--output", output)).ExitCode);
        // docs/audit.md's recipe, in another language: drop the two hashes, JSON.stringify with sorted keys
        // (that is JCS for strings, nulls and integers), SHA-256 over prev-hash bytes + UTF-8 text.
        const string script = """
            const fs = require('fs'), crypto = require('crypto');
            let prev = '0'.repeat(64), n = 0;
            for (const line of fs.readFileSync(process.argv[1], 'utf8').split('\n').filter(Boolean)) {
              const r = JSON.parse(line); const { prevHash, entryHash } = r; delete r.prevHash; delete r.entryHash;
              const canon = JSON.stringify(Object.fromEntries(Object.keys(r).sort().map(k => [k, r[k]])));
              const h = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(prevHash, 'hex'), Buffer.from(canon, 'utf8')])).digest('hex');
              if (prevHash !== prev || h !== entryHash) { console.log('BROKEN ' + r.seq); process.exit(1); }
              prev = entryHash; n++;
            }
            console.log('OK ' + n);
            """;
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(output);
        using var node = Process.Start(psi)!;
        var text = await node.StandardOutput.ReadToEndAsync(Ct);
        await node.WaitForExitAsync(Ct);
        Assert.Equal("OK 20", text.Trim());
    }

    [Fact]
    public void Help_EveryAuditSubcommandAndOption_HasDescription()
    {
        var root = CliApp.BuildRoot(CliContext.ForWriters(new StringWriter(), new StringWriter()));
        var audit = Assert.Single(root.Subcommands, c => c.Name == "audit");
        Assert.Equal(["verify", "show", "export"], audit.Subcommands.Select(c => c.Name));
        foreach (var sub in audit.Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(sub.Description), sub.Name);
            Assert.NotEmpty(sub.Options);
            Assert.All(sub.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description), $"{sub.Name} {o.Name}"));
        }
    }
}
