using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;

namespace McpGuard.Cli.Tests;

public sealed class UpdateCommandTests(UpdateSeriesRegistry registry) : IClassFixture<UpdateSeriesRegistry>, IDisposable
{
    private readonly TempDirectory _dir = new("mcpguard-update-cli");

    private string Home => Path.Combine(_dir.Path, "home");

    private string LockPath => Path.Combine(_dir.Path, "mcpguard.lock.json");

    private string ConfigPath => Path.Combine(Home, ".cursor", "mcp.json");

    private string AuditPath => Path.Combine(_dir.Path, "audit.db");

    /// <summary>A cursor config with the server launched plainly and once more through mcpguard run, and a lock at 1.0.0.</summary>
    private void Arrange(string lockedVersion = "1.0.0", string package = UpdateSeries.Name, string? integrity = null)
    {
        _dir.Write("home/.cursor/mcp.json", $$"""
            {
              "mcpServers": {
                "mail": { "command": "npx", "args": ["-y", "{{package}}@{{lockedVersion}}"] },
                "mail-guarded": { "command": "mcpguard", "args": ["run", "--sandbox", "none", "--", "npx", "-y", "{{package}}@{{lockedVersion}}"] }
              }
            }
            """);
        var lockJson = new JsonObject
        {
            ["version"] = 1,
            ["servers"] = new JsonObject
            {
                ["mail"] = new JsonObject
                {
                    ["command"] = "npx",
                    ["args"] = new JsonArray("-y", $"{package}@{lockedVersion}"),
                    ["package"] = new JsonObject { ["name"] = package, ["version"] = lockedVersion, ["integrity"] = integrity ?? registry.Integrity(lockedVersion) },
                    ["tools"] = new JsonObject(),
                },
            },
        };
        File.WriteAllText(LockPath, lockJson.ToJsonString() + "\n");
    }

    private Task<CliHarness.Result> RunWithRegistryAsync(string registryUrl, params string[] args) =>
        CliHarness.RunAsync(
            [.. args, "--lock", LockPath, "--home", Home, "--registry", registryUrl, "--audit", AuditPath,
             .. (args[0] == "update" ? new[] { "--cache", Path.Combine(_dir.Path, "cache") } : [])],
            Env,
            _dir.Path);

    private Task<CliHarness.Result> RunAsync(params string[] args) => RunWithRegistryAsync(registry.Verdaccio.Url.AbsoluteUri, args);

    private string? Env(string name) => name switch
    {
        "HOME" => Home,
        "MCPGUARD_HOME" => Path.Combine(_dir.Path, "data"),
        "PATH" => Environment.GetEnvironmentVariable("PATH"),
        _ => null,
    };

    private (string Lock, string Config) Snapshot() => (File.ReadAllText(LockPath), File.ReadAllText(ConfigPath));

    private JsonNode LockedMail() => JsonNode.Parse(File.ReadAllText(LockPath))!["servers"]!["mail"]!;

    [Fact]
    public async Task Update_ListsEveryPendingVersionWithItsVerdict_AndMovesNothingWithoutApproval()
    {
        Arrange();
        var before = Snapshot();

        var r = await RunAsync("update");

        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"1\.0\.1\s+ok\b", r.Out);
        Assert.Matches(@"1\.0\.2\s+review\b", r.Out);
        Assert.Matches(@"1\.0\.3\s+block\b.*Bcc", r.Out);
        Assert.Contains(UpdateSeries.HiddenRecipient, r.Out, StringComparison.Ordinal);
        Assert.Matches(@"1\.0\.4\s+block\b.*postinstall", r.Out);
        Assert.Contains("not approved; run 'mcpguard update mail --to 1.0.2 --yes'", r.Out, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists(AuditPath));
    }

    [Fact]
    public async Task Update_ToOkVersionWithYes_MovesLockPinsToolsFromTheNewVersionAndRewritesEveryConfig()
    {
        Arrange();
        var originalConfig = File.ReadAllText(ConfigPath);
        // A killed run's journal beside the log: update imports it when it opens the log, and must say what it dropped.
        var killed = await KilledRunJournal.WriteAsync(AuditPath, TestContext.Current.CancellationToken);

        var r = await RunAsync("update", "mail", "--to", "1.0.1", "--yes", "--sandbox", "none");

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        Assert.Contains($"mcpguard: warning: {killed}: {KilledRunJournal.TornBytes} bytes at the end were a write cut short", r.Error, StringComparison.Ordinal);
        var locked = LockedMail();
        Assert.Equal("1.0.1", locked["package"]!["version"]!.GetValue<string>());
        Assert.Equal(registry.Integrity("1.0.1"), locked["package"]!["integrity"]!.GetValue<string>());
        Assert.Equal($"""["-y","{UpdateSeries.Name}@1.0.1"]""", locked["args"]!.ToJsonString());
        Assert.StartsWith("sha256-", locked["tools"]!["send_email"]!["hash"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("pinned its 1 tool(s)", r.Out, StringComparison.Ordinal);
        var servers = JsonNode.Parse(File.ReadAllText(ConfigPath))!["mcpServers"]!;
        Assert.Equal($"""["-y","{UpdateSeries.Name}@1.0.1"]""", servers["mail"]!["args"]!.ToJsonString());
        Assert.Equal($"""["run","--sandbox","none","--","npx","-y","{UpdateSeries.Name}@1.0.1"]""", servers["mail-guarded"]!["args"]!.ToJsonString());
        var backup = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(ConfigPath)!, "mcp.json.mcpguard-backup-*"));
        Assert.Equal(originalConfig, File.ReadAllText(backup));

        var audit = await CliHarness.RunAsync(["audit", "show", "--audit", AuditPath, "--kind", "approval", "--format", "json"], Env, _dir.Path);
        Assert.Equal(0, audit.ExitCode);
        var approval = Assert.Single(JsonNode.Parse(audit.Out)!.AsArray());
        Assert.Equal("mail", approval!["server"]!.GetValue<string>());
        Assert.Equal("allow", approval["decision"]!.GetValue<string>());
        Assert.Equal($"update approved: {UpdateSeries.Name} 1.0.0 -> 1.0.1", approval["reason"]!.GetValue<string>());
        Assert.Equal("ok", approval["details"]!["verdict"]!.GetValue<string>());
        Assert.Equal(0, (await CliHarness.RunAsync(["audit", "verify", "--audit", AuditPath], Env, _dir.Path)).ExitCode);
    }

    [Fact]
    public async Task Update_NewVersionCannotStart_ClearsPinsAndSaysSo()
    {
        Arrange();
        var noNpx = Path.Combine(_dir.Path, "empty-bin");
        Directory.CreateDirectory(noNpx);

        var r = await CliHarness.RunAsync(
            ["update", "mail", "--to", "1.0.1", "--yes", "--sandbox", "none", "--lock", LockPath, "--home", Home, "--registry", registry.Verdaccio.Url.AbsoluteUri,
             "--cache", Path.Combine(_dir.Path, "cache"), "--audit", AuditPath],
            name => name == "PATH" ? noNpx : Env(name),
            _dir.Path);

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        Assert.Contains($"could not start {UpdateSeries.Name}@1.0.1 to list its tools", r.Out, StringComparison.Ordinal);
        Assert.Contains("tool pins cleared", r.Out, StringComparison.Ordinal);
        Assert.Equal("1.0.1", LockedMail()["package"]!["version"]!.GetValue<string>());
        Assert.Empty(LockedMail()["tools"]!.AsObject());
    }

    [Fact]
    public async Task Update_YesAlone_TakesNewestVersionThatIsNotBlocked_AndClearsPinsWhenNotStarted()
    {
        Arrange();

        var r = await RunAsync("update", "--yes", "--no-start");

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        var locked = LockedMail();
        Assert.Equal("1.0.2", locked["package"]!["version"]!.GetValue<string>());
        Assert.Empty(locked["tools"]!.AsObject());
        Assert.Contains("tool pins cleared: the next 'mcpguard run' holds its tools until 'mcpguard approve --name mail'", r.Out, StringComparison.Ordinal);
        Assert.Contains($"{UpdateSeries.Name}@1.0.2", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_BlockVersion_IsRefusedWithoutToAndYes_AndTakenOnlyWithBoth()
    {
        Arrange();
        var before = Snapshot();

        var withoutYes = await RunAsync("update", "mail", "--to", "1.0.3");
        var reviewWithYes = await RunAsync("update", "mail", "--yes", "--to", "1.0.2", "--no-start");
        File.WriteAllText(LockPath, before.Lock);
        File.WriteAllText(ConfigPath, before.Config);
        var both = await RunAsync("update", "mail", "--to", "1.0.3", "--yes", "--no-start");

        Assert.Equal(1, withoutYes.ExitCode);
        Assert.Contains("1.0.3 has verdict block; moving to it needs both --to 1.0.3 and --yes", withoutYes.Out, StringComparison.Ordinal);
        Assert.Equal(0, reviewWithYes.ExitCode);
        Assert.Equal(0, both.ExitCode);
        Assert.Equal("1.0.3", LockedMail()["package"]!["version"]!.GetValue<string>());
        Assert.Contains("lock moved mcpguard-update-fixture 1.0.0 -> 1.0.3 (block)", both.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_CannotBeNamedWithoutTo_WhenOnlyBlockedVersionsRemain()
    {
        Arrange("1.0.2");
        var before = Snapshot();

        var r = await RunAsync("update", "--yes");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no newer version can be approved without --to; to take 1.0.4 (verdict block) anyway: mcpguard update mail --to 1.0.4 --yes", r.Out, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Update_UpToDate_ExitsZeroAndChangesNothing()
    {
        Arrange("1.0.4");
        var before = Snapshot();

        var r = await RunAsync("update", "--yes");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("is up to date", r.Out, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Update_LockedIntegrityNotServedAnymore_IsAnErrorAndLeavesFilesByteIdentical()
    {
        Arrange(integrity: registry.Integrity("1.0.2"));
        var before = Snapshot();

        var r = await RunAsync("update", "--yes", "--no-start");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("changed after approval", r.Error, StringComparison.Ordinal);
        Assert.Contains("lock and configs unchanged", r.Error, StringComparison.Ordinal);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Update_TamperedTarball_IsShownAsErrorAndCanNeverBeApproved_FilesByteIdentical()
    {
        var integrity = registry.TamperedPackument["versions"]!["1.0.0"]!["dist"]!["integrity"]!.GetValue<string>();
        Arrange(package: UpdateSeries.TamperedName, integrity: integrity);
        var before = Snapshot();

        var listed = await RunAsync("update", "--yes", "--no-start");
        var forced = await RunAsync("update", "mail", "--to", "1.0.1", "--yes", "--no-start");

        Assert.Equal(1, listed.ExitCode);
        Assert.Matches(@"1\.0\.1\s+error\s+tarball of mcpguard-update-tamper@1\.0\.1 .* does not match its published integrity", listed.Out);
        Assert.Contains("no newer version can be approved", listed.Out, StringComparison.Ordinal);
        Assert.Equal(2, forced.ExitCode);
        Assert.Contains("--to 1.0.1: tarball of mcpguard-update-tamper@1.0.1", forced.Error, StringComparison.Ordinal);
        Assert.Contains("lock and configs unchanged", forced.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists(AuditPath));
    }

    [Fact]
    public async Task Update_DeletedPackage_IsAnErrorAndLeavesFilesByteIdentical()
    {
        Arrange(package: "mcpguard-never-published", integrity: "sha512-AAAA");
        var before = Snapshot();

        var r = await RunAsync("update", "--yes");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'mcpguard-never-published' was not found", r.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Update_RegistryAnswersGarbage_IsAnErrorAndLeavesFilesByteIdentical()
    {
        Arrange();
        var before = Snapshot();
        using var garbage = new GarbageRegistry();

        var r = await RunWithRegistryAsync(garbage.Url, "update", "--yes");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not JSON", r.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Update_ToUnknownVersion_IsUsageError()
    {
        Arrange();
        var before = Snapshot();

        var r = await RunAsync("update", "mail", "--to", "9.9.9", "--yes");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--to 9.9.9: not a release", r.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Pin_UnpinnedConfig_WritesExactVersionToLockAndConfig_ThenIsIdempotent()
    {
        _dir.Write("home/.cursor/mcp.json", $$"""{ "mcpServers": { "mail": { "command": "npx", "args": ["-y", "{{UpdateSeries.Name}}"] } } }""");

        var dry = await RunAsync("pin", "--dry-run");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("would pin", dry.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(LockPath));

        var killed = await KilledRunJournal.WriteAsync(AuditPath, TestContext.Current.CancellationToken);
        var first = await RunAsync("pin");
        var afterFirst = Snapshot();
        var second = await RunAsync("pin");

        Assert.True(first.ExitCode == 0, first.Out + first.Error);
        Assert.Contains($"mcpguard: warning: {killed}: {KilledRunJournal.TornBytes} bytes at the end were a write cut short", first.Error, StringComparison.Ordinal);
        var locked = LockedMail();
        Assert.Equal("1.0.4", locked["package"]!["version"]!.GetValue<string>());
        Assert.Equal(registry.Integrity("1.0.4"), locked["package"]!["integrity"]!.GetValue<string>());
        Assert.Equal($"""["-y","{UpdateSeries.Name}@1.0.4"]""", JsonNode.Parse(File.ReadAllText(ConfigPath))!["mcpServers"]!["mail"]!["args"]!.ToJsonString());
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("nothing to pin", second.Out, StringComparison.Ordinal);
        Assert.Equal(afterFirst, Snapshot());
    }

    [Fact]
    public async Task Pin_CodexToml_RewritesThePlainAndTheGuardedLaunch_KeepingCommentsAndEveryOtherByte()
    {
        var codex = Path.Combine(Home, ".codex", "config.toml");
        var original = $$"""
            # codex: keep me
            [mcp_servers.mail]
            command = "npx"   # plain
            args = ["-y", "{{UpdateSeries.Name}}"]

            [mcp_servers.mail-guarded]
            command = "mcpguard"
            args = ["run", "--", "npx", "-y", "{{UpdateSeries.Name}}@latest"] # guarded
            """;
        _dir.Write("home/.codex/config.toml", original);

        var r = await RunAsync("pin");

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        Assert.Equal(original.Replace($"\"{UpdateSeries.Name}\"", $"\"{UpdateSeries.Name}@1.0.4\"", StringComparison.Ordinal)
            .Replace($"{UpdateSeries.Name}@latest", $"{UpdateSeries.Name}@1.0.4", StringComparison.Ordinal), File.ReadAllText(codex));
        Assert.DoesNotContain("could not be rewritten", r.Error, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(Assert.Single(Directory.GetFiles(Path.GetDirectoryName(codex)!, "config.toml.mcpguard-backup-*"))));
        Assert.Equal("1.0.4", LockedMail()["package"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_CodexToml_MovesTheLaunchToTheApprovedVersion()
    {
        Arrange();
        File.Delete(ConfigPath);
        var codex = _dir.Write("home/.codex/config.toml", $"[mcp_servers.mail]\ncommand = \"mcpguard\" # guarded\nargs = [\"run\", \"--\", \"npx\", \"-y\", \"{UpdateSeries.Name}@1.0.0\"]\n");

        var r = await RunAsync("update", "mail", "--to", "1.0.1", "--yes", "--no-start");

        Assert.True(r.ExitCode == 0, r.Out + r.Error);
        Assert.Equal($"[mcp_servers.mail]\ncommand = \"mcpguard\" # guarded\nargs = [\"run\", \"--\", \"npx\", \"-y\", \"{UpdateSeries.Name}@1.0.1\"]\n", File.ReadAllText(codex));
        Assert.Equal("1.0.1", LockedMail()["package"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pin_BrokenCodexToml_IsNamed_AndLeftByteIdentical()
    {
        const string broken = "[mcp_servers.mail]\ncommand = \"npx\"\nargs = [\"-y\", \"x\"\n";
        var codex = _dir.Write("home/.codex/config.toml", broken);

        var r = await RunAsync("pin");

        Assert.Contains(codex, r.Error, StringComparison.Ordinal);
        Assert.Contains("not valid TOML", r.Error, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllText(codex));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(codex)!));
    }

    [Fact]
    public async Task Pin_UnknownServer_IsUsageError()
    {
        _dir.Write("home/.cursor/mcp.json", """{ "mcpServers": {} }""");

        var r = await RunAsync("pin", "nope");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("server 'nope' is not an npm server", r.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A "registry" on 127.0.0.1 that answers every request with 200 and an HTML page.</summary>
    private sealed class GarbageRegistry : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public GarbageRegistry()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/";
            }

            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var body = "<html>502 upstream exploded</html>"u8.ToArray();
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>Help text of update and pin, without a registry.</summary>
public sealed class UpdatePinHelpTests
{
    [Theory]
    [InlineData("update")]
    [InlineData("pin")]
    public void Help_EveryOptionAndArgument_HasADescription(string name)
    {
        var command = CliApp.BuildRoot(CliContext.ForWriters(new StringWriter(), new StringWriter())).Subcommands.Single(c => c.Name == name);

        Assert.NotEmpty(command.Options);
        Assert.All(command.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description), o.Name));
        Assert.All(command.Arguments, a => Assert.False(string.IsNullOrWhiteSpace(a.Description), a.Name));
    }
}
