using System.Diagnostics;
using System.Text.Json;
using McpGuard.Cli;
using McpGuard.TestSupport;

namespace McpGuard.Investigate.Tests.Inventory;

/// <summary><c>mcpguard scan --installed</c> run in-process (and once as an unprivileged process), as a user would.</summary>
public sealed class ScanInstalledCommandTests
{
    private sealed record Run(int ExitCode, string Out, string Error);

    private static async Task<Run> RunAsync(SyntheticInstalls s, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // MCPGUARD_HOME keeps the intel store inside the test folder instead of the real user's.
        var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = s.Intel };
        var context = CliContext.ForWriters(stdout, stderr, env.GetValueOrDefault);
        var code = await CliApp.RunAsync(["scan", "--installed", .. args], context, TestContext.Current.CancellationToken);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonElement> Findings(JsonDocument doc) => [.. doc.RootElement.GetProperty("findings").EnumerateArray()];

    [Fact]
    public async Task Json_SyntheticMachine_ReportsEachBadCopyWithItsCleanupAndCredentialNames()
    {
        using var s = new SyntheticInstalls();

        var run = await RunAsync(s, "--home", s.Home, "--path", s.Project, "--format", "json");

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var findings = Findings(doc);
        Assert.Equal(3, findings.Count); // npx cache, nested under a global tool, aliased in a project; 1.0.15 is clean
        Assert.All(findings, f =>
        {
            Assert.Equal("MCPG107", f.GetProperty("ruleId").GetString());
            Assert.Equal("critical", f.GetProperty("severity").GetString());
            Assert.Equal("MAL-2025-47604", f.GetProperty("evidence").GetProperty("advisory").GetString());
            Assert.Equal("1.0.16", f.GetProperty("evidence").GetProperty("version").GetString());
        });

        var byWhere = findings.ToDictionary(f => f.GetProperty("evidence").GetProperty("where").GetString()!);
        var npx = byWhere["npx cache"].GetProperty("evidence");
        Assert.Equal($"rm -rf {s.Home}/.npm/_npx/{SyntheticInstalls.NpxHash}", npx.GetProperty("cleanup")[0].GetString());
        var launcher = npx.GetProperty("launchedBy").EnumerateArray().Single();
        Assert.Equal("cursor", launcher.GetProperty("client").GetString());
        Assert.Equal("postmark", launcher.GetProperty("server").GetString());
        Assert.Equal(["POSTMARK_SERVER_TOKEN"], npx.GetProperty("credentialNames").EnumerateArray().Select(e => e.GetString()));

        var global = byWhere["global npm prefix"].GetProperty("evidence");
        Assert.Equal($"npm uninstall -g --prefix {s.Home}/tools/npm-global mail-helper", global.GetProperty("cleanup")[0].GetString());
        Assert.Equal("mail-helper", global.GetProperty("topLevelPackage").GetString());

        var project = byWhere["project node_modules"].GetProperty("evidence");
        Assert.Equal($"npm uninstall pm --prefix {s.Project}/shop", project.GetProperty("cleanup")[0].GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("summary").GetProperty("critical").GetInt32());
    }

    [Theory]
    [InlineData("table")]
    [InlineData("json")]
    [InlineData("sarif")]
    public async Task AnyFormat_SecretValueInTheConfig_IsNeverPrinted(string format)
    {
        using var s = new SyntheticInstalls();

        var run = await RunAsync(s, "--home", s.Home, "--path", s.Project, "--format", format);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("MCPG107", run.Out, StringComparison.Ordinal);
        Assert.Contains("POSTMARK_SERVER_TOKEN", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(SyntheticInstalls.SecretValue, run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(SyntheticInstalls.SecretValue, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Osv_PackageOnlyInTheImportedAdvisory_IsFound()
    {
        using var s = new SyntheticInstalls();
        s.Package("work/tool/node_modules/chalk-color-utils", "chalk-color-utils", "4.2.1");
        s.Package("work/tool/node_modules/chalk-color-utils-clean", "chalk-color-utils", "4.2.0");
        var osv = s.OsvFolder("MAL-2099-12345", "chalk-color-utils", "4.2.1");

        var without = await RunAsync(s, "--home", s.Home, "--path", Path.Combine(s.Project, "tool"), "--format", "json");
        var with = await RunAsync(s, "--home", s.Home, "--path", Path.Combine(s.Project, "tool"), "--osv", osv, "--format", "json");

        using var withoutDoc = JsonDocument.Parse(without.Out);
        Assert.DoesNotContain(Findings(withoutDoc), f => f.GetProperty("evidence").GetProperty("package").GetString() == "chalk-color-utils");
        using var doc = JsonDocument.Parse(with.Out);
        var hit = Assert.Single(Findings(doc), f => f.GetProperty("evidence").GetProperty("package").GetString() == "chalk-color-utils");
        Assert.Equal("MAL-2099-12345", hit.GetProperty("evidence").GetProperty("advisory").GetString());
        Assert.Equal("osv", hit.GetProperty("evidence").GetProperty("advisorySource").GetString());
        Assert.Equal("4.2.1", hit.GetProperty("evidence").GetProperty("version").GetString());
    }

    [Fact]
    public async Task IntelStore_AdvisoryImportedEarlier_IsUsedOffline()
    {
        using var s = new SyntheticInstalls();
        s.Package("work/tool/node_modules/colors-extended", "colors-extended", "9.9.9");
        var osv = s.OsvFolder("MAL-2099-54321", "colors-extended", "9.9.9");
        using (var stdout = new StringWriter())
        using (var stderr = new StringWriter())
        {
            var env = new Dictionary<string, string> { ["MCPGUARD_HOME"] = s.Intel };
            Assert.Equal(0, await CliApp.RunAsync(["intel", "import", osv], CliContext.ForWriters(stdout, stderr, env.GetValueOrDefault), TestContext.Current.CancellationToken));
        }

        var run = await RunAsync(s, "--home", s.Home, "--path", Path.Combine(s.Project, "tool"), "--format", "json");

        using var doc = JsonDocument.Parse(run.Out);
        Assert.Contains(Findings(doc), f => f.GetProperty("evidence").GetProperty("advisory").GetString() == "MAL-2099-54321");
    }

    [Fact]
    public async Task Table_CleanMachine_ExitsZeroAndSaysWhatWasLookedAt()
    {
        using var s = new SyntheticInstalls();
        using var clean = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(clean.Path, "home"));

        var run = await RunAsync(s, "--home", Path.Combine(clean.Path, "home"), "--path", Path.Combine(s.Project, "shop", "node_modules", "express"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Inventoried 1 installed package(s) in 1 place(s)", run.Error, StringComparison.Ordinal);
        Assert.Contains("No known-malicious package version is installed", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SamplesHome_FindsThePostmarkCopyInTheShippedNpxCache()
    {
        using var s = new SyntheticInstalls();

        var run = await RunAsync(s, "--home", Path.Combine(RepoPaths.Root, "samples", "home"), "--format", "json");

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var hit = Assert.Single(Findings(doc));
        Assert.Equal("postmark", hit.GetProperty("server").GetString());
        Assert.StartsWith("rm -rf ", hit.GetProperty("evidence").GetProperty("cleanup")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPath_ExitsTwoNamingIt()
    {
        using var s = new SyntheticInstalls();
        var missing = Path.Combine(s.Root, "no-such-folder");

        var run = await RunAsync(s, "--home", s.Home, "--path", missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(missing, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PathWithoutInstalled_ExitsTwo()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(["scan", "--home", "/tmp", "--path", "/tmp"], CliContext.ForWriters(stdout, stderr), TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("--installed", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A folder the user cannot read is a diagnostic, and the rest is still reported. Root reads everything, so as
    /// root the real CLI runs as nobody (setpriv), the way an unprivileged user meets it.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task UnreadableFolder_IsReportedAndTheScanGoesOn()
    {
        using var s = new SyntheticInstalls();
        var locked = Path.Combine(s.Project, "shop", "node_modules", "express", "node_modules");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        try
        {
            string output;
            int exitCode;
            if (Environment.UserName != "root")
            {
                var run = await RunAsync(s, "--home", s.Home, "--path", s.Project, "--format", "json");
                (output, exitCode) = (run.Out, run.ExitCode);
            }
            else
            {
                (output, exitCode) = await RunAsNobodyAsync(s, ["scan", "--installed", "--home", s.Home, "--path", s.Project, "--format", "json"]);
            }

            Assert.Equal(1, exitCode);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(3, Findings(doc).Count);
            Assert.Contains(doc.RootElement.GetProperty("diagnostics").EnumerateArray(),
                d => d.GetProperty("file").GetString() == locked && d.GetProperty("message").GetString()!.Contains("not inventoried", StringComparison.Ordinal));
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static async Task<(string Out, int ExitCode)> RunAsNobodyAsync(SyntheticInstalls s, string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "mcpguard.dll");
        Assert.True(File.Exists("/usr/bin/setpriv"), "this test runs as root and needs setpriv (util-linux) to drop to an unprivileged user");
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", dotnet, cli, .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Clear();
        start.Environment["HOME"] = s.Root;
        start.Environment["MCPGUARD_HOME"] = s.Intel;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode is 0 or 1, $"mcpguard as nobody exited {process.ExitCode}: {await stderr}");
        return (await stdout, process.ExitCode);
    }
}
