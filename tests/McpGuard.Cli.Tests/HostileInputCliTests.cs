using System.Diagnostics;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

/// <summary>
/// Broken and hostile input files and arguments, through the real command tree: each must end in one line on stderr
/// naming the culprit and exit 2, never a hang, a crash or a secret from the file.
/// </summary>
public sealed class HostileInputCliTests
{
    private const string Secret = "pm-7f3c9a1e-55aa-4b2d-9e0f-c0ffee123456";

    [Theory]
    [InlineData("run", "--sandbox", "none", "--policy", "{0}", "--", "node", "-e", "1")]
    [InlineData("run", "--sandbox", "none", "--lock", "{0}", "--", "node", "-e", "1")]
    [InlineData("verify", "--lock", "{0}")]
    [InlineData("analyze", "--tools", "{0}")]
    public async Task FileOption_NamedPipeNobodyWritesTo_ExitsTwoAtOnce(params string[] template)
    {
        using var dir = new TempDirectory();
        var fifo = Path.Combine(dir.Path, "input.json");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!)
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var args = template.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, fifo)).ToArray();
        // Before the fix the open(2) blocked forever (and SIGTERM could not end the process); bound it here.
        var run = Task.Run(() => CliHarness.RunAsync(args, env: null, workingDirectory: dir.Path), TestContext.Current.CancellationToken);
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)));
        var r = await run;
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Error.Trim().Split('\n'), l => !l.Contains("WARNING", StringComparison.Ordinal));
        Assert.Contains($"{fifo}: cannot read it (not a regular file", line);
    }

    [Fact]
    public async Task Verify_LockFileOf200MiB_RefusedBySizeNotReadWhole()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "mcpguard.lock.json");
        using (var f = File.Create(path))
        {
            f.SetLength(200L * 1024 * 1024); // sparse; before the fix the CLI read it all (~1 GB resident) to report "not valid JSON"
        }

        var r = await CliHarness.RunAsync("verify", "--lock", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"mcpguard: lock file {path}: larger than 64 MiB, refusing to read it", r.Error.Trim());
    }

    [Fact]
    public async Task Run_PolicyNestedHundredThousandDeep_ExitsTwoInsteadOfStackOverflow()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("policy.json", new string('[', 100_000) + new string(']', 100_000));
        var r = await CliHarness.RunAsync("run", "--sandbox", "none", "--policy", path, "--", "node", "-e", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"mcpguard: policy file {path}:1: nested deeper than 64 levels", r.Error.Trim());
    }

    [Fact]
    public async Task MailAudit_ExpectedFileThatIsADotenv_DoesNotPrintTheSecret()
    {
        using var dir = new TempDirectory();
        var input = dir.Write("ses.json", "[]");
        var expected = dir.Write(".env", $"POSTMARK_SERVER_TOKEN={Secret}\n");
        var r = await CliHarness.RunAsync("mail-audit", "--input", input, "--input-format", "ses", "--expected", expected);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--expected {expected}:1: not an email address", r.Error);
        Assert.DoesNotContain(Secret, r.Error + r.Out);
        Assert.DoesNotContain("POSTMARK_SERVER_TOKEN", r.Error + r.Out);
    }

    [Fact]
    public async Task MailAudit_CsvInputThatIsADotenv_DoesNotPrintTheSecretFromItsFirstLine()
    {
        using var dir = new TempDirectory();
        var input = dir.Write(".env", $"POSTMARK_SERVER_TOKEN={Secret}\nOTHER=1\n");
        var r = await CliHarness.RunAsync("mail-audit", "--input", input, "--input-format", "csv");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no recipient column recognised", r.Error);
        Assert.DoesNotContain(Secret, r.Error + r.Out);
    }

    [Fact]
    public async Task MailAudit_CsvWithOtherColumns_StillNamesThem()
    {
        using var dir = new TempDirectory();
        var input = dir.Write("export.csv", "Subject,Sent At\nhello,2025-09-15\n");
        var r = await CliHarness.RunAsync("mail-audit", "--input", input, "--input-format", "csv");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("(Subject, Sent At)", r.Error);
    }

    [Theory]
    [InlineData("scan", "--format", "xml")]
    [InlineData("scan", "--fail-on", "bogus")]
    [InlineData("run", "--sandbox", "bogus", "--", "node")]
    public async Task UnknownEnumValue_IsOneLineOnStderr(params string[] args)
    {
        var r = await CliHarness.RunAsync(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.Contains("Must be one of:", r.Error);
    }
}
