using System.Diagnostics;
using McpGuard.TestSupport;

namespace McpGuard.Audit.Tests;

/// <summary>Real helper processes (tests/Fixtures/audit-writer) appending to one file, and killed with SIGKILL.</summary>
public sealed class AuditProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Process StartWriter(string db, long count, int concurrency, string tag, string store = "sqlite")
    {
        Assert.True(File.Exists(AuditTestData.AuditWriterPath), $"audit-writer fixture not built at {AuditTestData.AuditWriterPath}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { AuditTestData.AuditWriterPath, db, count.ToString(System.Globalization.CultureInfo.InvariantCulture), concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), tag, store })
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("could not start audit-writer");
    }

    /// <summary>
    /// Starts an endless writer, waits for <paramref name="linesBeforeKill"/> acknowledgements, kills it with SIGKILL
    /// (no finaliser, no dispose, no checkpoint, no import) and returns every acknowledgement it printed.
    /// </summary>
    private static async Task<List<string>> RunAndKillAsync(string db, int concurrency, string tag, string store, int linesBeforeKill)
    {
        using var p = StartWriter(db, 0, concurrency, tag, store);
        var lines = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (lines.Count < linesBeforeKill)
        {
            var line = await p.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                Assert.Fail("audit-writer ended early: " + await p.StandardError.ReadToEndAsync(Ct));
            }

            lines.Add(line);
        }

        Assert.False(p.HasExited);
        p.Kill();
        // Whatever it managed to print before dying was acknowledged too: drain the pipe. A line cut by the kill has
        // no newline yet and was never a complete acknowledgement: drop it.
        var rest = (await p.StandardOutput.ReadToEndAsync(Ct)).Split('\n');
        lines.AddRange(rest[..^1].Where(l => l.Length > 0));
        await p.WaitForExitAsync(Ct);
        Assert.NotEqual(0, p.ExitCode);
        return lines;
    }

    private static Dictionary<long, string> Parse(IEnumerable<string> lines) =>
        lines.Select(l => l.Split(' ')).ToDictionary(p => long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p => p[1]);

    [Fact]
    public async Task TwoProcesses_AppendToOneFile_OneValidChainWithEveryEvent()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        using var a = StartWriter(db, 400, 4, "A");
        using var b = StartWriter(db, 400, 4, "B");
        var outA = a.StandardOutput.ReadToEndAsync(Ct);
        var outB = b.StandardOutput.ReadToEndAsync(Ct);
        var errA = a.StandardError.ReadToEndAsync(Ct);
        var errB = b.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await a.WaitForExitAsync(timeout.Token);
        await b.WaitForExitAsync(timeout.Token);
        Assert.True(a.ExitCode == 0, await errA);
        Assert.True(b.ExitCode == 0, await errB);

        var printed = Parse((await outA + await outB).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(800, printed.Count);
        var v = AuditTestData.Verify(db);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        Assert.Equal(800, v.Records);
        using var reader = AuditLogReader.Open(db);
        var stored = reader.Query(new AuditQuery()).ToDictionary(r => r.Seq, r => r.RequestId);
        Assert.All(printed, p => Assert.Equal(p.Value, stored[p.Key]));
    }

    [Fact]
    public async Task Verify_WhileAnotherProcessAppends_SeesAnIntactSnapshot()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        using var p = StartWriter(db, 0, 4, "live");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            long previous = 0;
            for (var round = 0; round < 5; round++)
            {
                // Let the writer get ahead by 50 more acknowledged events between two verifications.
                for (var i = 0; i < 50; i++)
                {
                    Assert.NotNull(await p.StandardOutput.ReadLineAsync(timeout.Token));
                }

                var v = AuditTestData.Verify(db);
                Assert.True(v.Intact, string.Join("\n", v.Problems));
                Assert.True(v.Records > previous);
                previous = v.Records;
            }
        }
        finally
        {
            p.Kill();
            await p.WaitForExitAsync(Ct);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(4, 3)]
    [InlineData(4, 60)]
    [InlineData(8, 250)]
    public async Task KillNine_AtAnyMoment_LosesNoAcknowledgedEventAndChainVerifies(int concurrency, int linesBeforeKill)
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        // Two rounds on the same file: the second starts on a database left by a killed writer (hot WAL).
        var acknowledged = new Dictionary<long, string>();
        for (var round = 0; round < 2; round++)
        {
            var lines = await RunAndKillAsync(db, concurrency, $"r{round}", "sqlite", linesBeforeKill);
            foreach (var (seq, id) in Parse(lines))
            {
                acknowledged.Add(seq, id);
            }
        }

        var v = AuditTestData.Verify(db);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
        using var reader = AuditLogReader.Open(db);
        var stored = reader.Query(new AuditQuery()).ToDictionary(r => r.Seq, r => r.RequestId);
        Assert.All(acknowledged, a => Assert.Equal(a.Value, stored.GetValueOrDefault(a.Key)));
        Assert.True(stored.Count >= acknowledged.Count);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 9)]
    [InlineData(4, 60)]
    [InlineData(8, 400)]
    public async Task KillNine_Journaled_EveryAcknowledgedEventImportedOnceAndChainVerifies(int concurrency, int linesBeforeKill)
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        // Two rounds: the second writer opens a database whose journal a killed writer left behind, and imports it
        // before starting its own; the reader at the end imports the second one's.
        var acknowledged = new List<string>();
        for (var round = 0; round < 2; round++)
        {
            var lines = await RunAndKillAsync(db, concurrency, $"j{round}", "journaled", linesBeforeKill);
            acknowledged.AddRange(lines.Select(l => l.Split(' ')[1]));
        }

        Assert.NotEmpty(Directory.GetFiles(db + ".journals", "*.jnl"));
        using (var reader = AuditLogReader.Open(db))
        {
            var ids = reader.Query(new AuditQuery()).Select(r => r.RequestId!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count()); // nothing imported twice
            Assert.All(acknowledged, id => Assert.Contains(id, ids));
            Assert.All(reader.JournalProblems, problem => Assert.Contains("cut short", problem, StringComparison.Ordinal));
        }

        Assert.Empty(Directory.GetFiles(db + ".journals", "*.jnl"));
        var v = AuditTestData.Verify(db);
        Assert.True(v.Intact, string.Join("\n", v.Problems));
    }

    /// <summary>
    /// A journal write that fails for real: the writer's file size limit (RLIMIT_FSIZE, `ulimit -f`) is lowered under
    /// it, as a full disk would stop it. The store fails for good (an append after the limit is lifted again still
    /// fails: a journal with a failed write is never appended to again), and the chain holds exactly the acknowledged
    /// events: none lost, and not the one whose write failed.
    /// </summary>
    [Fact]
    public async Task Journaled_WriteFails_FailsForGood_ChainHoldsExactlyTheAcknowledgedEvents()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "audit.db");
        using var p = StartWriter(db, 0, 1, "F", "journaled");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            async Task<string> NextLineAsync() =>
                await p.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("audit-writer ended: " + await p.StandardError.ReadToEndAsync(Ct));

            var acknowledged = new List<string>();
            while (acknowledged.Count < 20)
            {
                acknowledged.Add((await NextLineAsync()).Split(' ')[1]);
            }

            var journal = Assert.Single(Directory.GetFiles(db + ".journals", "*.jnl"));
            await SetFileSizeLimitAsync(p, (new FileInfo(journal).Length + 4096).ToString(System.Globalization.CultureInfo.InvariantCulture));
            string failure;
            while (!(failure = await NextLineAsync()).StartsWith("fail ", StringComparison.Ordinal))
            {
                acknowledged.Add(failure.Split(' ')[1]);
            }

            Assert.Contains($"audit journal write to {journal} failed", failure, StringComparison.Ordinal);
            Assert.Contains("file size limit", failure, StringComparison.Ordinal);

            await SetFileSizeLimitAsync(p, "unlimited");
            await p.StandardInput.WriteLineAsync("append");
            await p.StandardInput.FlushAsync(Ct);
            Assert.StartsWith("fail probe ", await NextLineAsync(), StringComparison.Ordinal);

            // Closing the store imports its journal (whole records only; the frame cut short at the limit is dropped).
            await p.StandardInput.WriteLineAsync("dispose");
            await p.StandardInput.FlushAsync(Ct);
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, await p.StandardError.ReadToEndAsync(Ct));

            var v = AuditTestData.Verify(db);
            Assert.True(v.Intact, string.Join("\n", v.Problems));
            using var reader = AuditLogReader.Open(db);
            Assert.Equal(acknowledged, reader.Query(new AuditQuery()).Select(r => r.RequestId));
            Assert.False(File.Exists(journal), "the failed store's journal was imported and deleted on close");
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    /// <summary>Sets the process's soft file size limit (RLIMIT_FSIZE) to <paramref name="bytes"/> ("unlimited" lifts it).</summary>
    private static async Task SetFileSizeLimitAsync(Process process, string bytes)
    {
        var prlimit = await ProcessRunner.RunAsync(
            "prlimit", ["--pid", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"--fsize={bytes}:unlimited"], null, null, TimeSpan.FromSeconds(30), Ct);
        Assert.True(prlimit.Code == 0, "prlimit failed: " + prlimit.Err);
    }
}
