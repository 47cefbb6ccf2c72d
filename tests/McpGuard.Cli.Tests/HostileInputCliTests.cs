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
    [InlineData("analyze", "{0}")]
    [InlineData("mail-audit", "--input", "{0}")]
    [InlineData("mail-audit", "--input", "{0}", "--input-format", "ses")]
    [InlineData("audit", "show", "--audit", "{0}")]
    [InlineData("audit", "verify", "--audit", "{0}")]
    [InlineData("audit", "export", "--audit", "{0}")]
    [InlineData("run", "--sandbox", "none", "--audit", "{0}", "--", "node", "-e", "1")]
    public async Task FileOption_NamedPipeNobodyWritesTo_ExitsTwoAtOnce(params string[] template)
    {
        using var dir = new TempDirectory();
        var fifo = dir.Fifo("input.json");
        var r = await RunBoundedAsync(dir.Path, [.. template.Select(a => a.Replace("{0}", fifo, StringComparison.Ordinal))]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.Error.Trim().Split('\n'), l => !l.Contains("WARNING", StringComparison.Ordinal));
        Assert.Contains($"{fifo}: cannot read it (not a regular file", line);
    }

    [Fact]
    public async Task Scan_ConfigThatIsANamedPipe_IsReportedAndTheScanFinishes()
    {
        using var dir = new TempDirectory();
        var fifo = dir.Fifo("mcp.json");
        var r = await RunBoundedAsync(dir.Path, ["scan", "--home", dir.Path, "--config", fifo]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"{fifo}: cannot read it (not a regular file but a pipe, socket or device), so its servers were not checked", (r.Out + r.Error).ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task IntelImport_FolderWithANamedPipe_SkipsItWithAWarning()
    {
        using var dir = new TempDirectory();
        var fifo = dir.Fifo("osv/MAL-1.json");
        var osv = Path.GetDirectoryName(fifo)!;
        var r = await RunBoundedAsync(dir.Path, ["intel", "import", osv], env: name => name == "MCPGUARD_HOME" ? Path.Combine(dir.Path, "home") : null);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"{fifo}: cannot read it (not a regular file", r.Error);
    }

    [Fact]
    public async Task Scan_OutputOntoAFolder_ExitsTwoAndLeavesNoTempFileBehind()
    {
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(Path.Combine(dir.Path, "home")).FullName;
        var target = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        var r = await CliHarness.RunAsync("scan", "--home", home, "--output", target);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"cannot write --output {target}:", r.Error);
        Assert.Empty(Directory.GetFiles(dir.Path)); // before the fix: .out.<pid>.tmp with the whole report
    }

    [Fact]
    public async Task Install_ClientConfigThatIsANamedPipe_ExitsTwoNamingIt()
    {
        using var dir = new TempDirectory();
        var fifo = dir.Fifo(".cursor/mcp.json");
        var r = await RunBoundedAsync(dir.Path, ["install", "--client", "cursor", "--home", dir.Path]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{fifo}: cannot read it (not a regular file but a pipe, socket or device), left unchanged", r.Out + r.Error);
    }

    [Fact]
    public async Task Install_ClientConfigOf200MiB_IsRefusedBySize()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(dir.Path, ".cursor")).FullName, "mcp.json");
        using (var f = File.Create(path))
        {
            f.SetLength(200L * 1024 * 1024); // sparse; before the fix install read it whole (~1 GB resident)
        }

        var r = await CliHarness.RunAsync("install", "--client", "cursor", "--home", dir.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{path}: larger than 64 MiB, refusing to read it, left unchanged", r.Out + r.Error);
    }

    [Fact]
    public async Task Analyze_PackageFolderHoldingANamedPipe_ReportsItAsARejectedEntryAndFinishes()
    {
        using var dir = new TempDirectory();
        dir.Write("pkg/package.json", """{"name":"p","version":"1.0.0","main":"index.js"}""");
        dir.Fifo("pkg/index.js");
        var r = await RunBoundedAsync(dir.Path, ["analyze", Path.Combine(dir.Path, "pkg"), "--format", "json"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("MCPG200", r.Out);
        Assert.Contains("index.js", r.Out);
        Assert.Contains("was not read: cannot read it (not a regular file", r.Out);
    }

    [Fact]
    public async Task ScanInstalled_PackageJsonThatIsANamedPipe_IsAWarningAndTheInventoryFinishes()
    {
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(Path.Combine(dir.Path, "home")).FullName;
        var fifo = dir.Fifo("project/node_modules/evil/package.json");
        var r = await RunBoundedAsync(dir.Path, ["scan", "--installed", "--path", Path.Combine(dir.Path, "project")],
            env: name => name switch { "HOME" => home, "MCPGUARD_HOME" => Path.Combine(dir.Path, "data"), _ => null });
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("cannot read it (not a regular file but a pipe, socket or device)", (r.Out + r.Error).ReplaceLineEndings(" "));
        Assert.Contains(fifo, (r.Out + r.Error).ReplaceLineEndings(""));
    }

    /// <summary>Before the fixes the open(2) of a FIFO blocked forever (and SIGTERM could not end the process): bound it.</summary>
    private static async Task<CliHarness.Result> RunBoundedAsync(string workingDirectory, string[] args, Func<string, string?>? env = null)
    {
        var run = Task.Run(() => CliHarness.RunAsync(args, env, workingDirectory), TestContext.Current.CancellationToken);
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)));
        return await run;
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
