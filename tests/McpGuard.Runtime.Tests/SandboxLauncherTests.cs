using System.Text.Json;
using McpGuard.Core;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>Mode parsing, the launcher factory's choices, the probe, the bwrap recipe and the relay's fail-closed paths.</summary>
public sealed class SandboxLauncherTests
{
    private sealed class RecordingUnconfinedLauncher : IServerLauncher
    {
        public Task<IServerProcess> StartAsync(ServerLaunchSpec spec, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("not started in these tests");
    }

    [Theory]
    [InlineData("auto", SandboxMode.Auto)]
    [InlineData(null, SandboxMode.Auto)]
    [InlineData("BWRAP", SandboxMode.Bubblewrap)]
    [InlineData("bubblewrap", SandboxMode.Bubblewrap)]
    [InlineData(" none ", SandboxMode.None)]
    public void Parse_KnownMode_Parsed(string? text, SandboxMode expected) => Assert.Equal(expected, SandboxModes.Parse(text));

    [Fact]
    public void Parse_UnknownMode_UserInputErrorNamingOption()
    {
        var e = Assert.Throws<UserInputException>(() => SandboxModes.Parse("docker"));
        Assert.Contains("--sandbox", e.Message, StringComparison.Ordinal);
        Assert.Contains("docker", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_None_UnconfinedWithLoudWarning()
    {
        var unconfined = new RecordingUnconfinedLauncher();

        var selection = await SandboxLauncherFactory.CreateAsync(SandboxMode.None, new BubblewrapOptions(), () => unconfined, TestContext.Current.CancellationToken);

        Assert.Same(unconfined, selection.Launcher);
        Assert.False(selection.IsConfined);
        Assert.Contains("UNCONFINED", selection.Warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SandboxMode.Auto)]
    [InlineData(SandboxMode.Bubblewrap)]
    public async Task Factory_BwrapMissing_RefusesWithReasonAndFix(SandboxMode mode)
    {
        var options = new BubblewrapOptions { BwrapPath = "/nonexistent/bwrap" };
        var called = false;

        var e = await Assert.ThrowsAsync<UserInputException>(() =>
            SandboxLauncherFactory.CreateAsync(mode, options, () => { called = true; return new RecordingUnconfinedLauncher(); }, TestContext.Current.CancellationToken));

        Assert.False(called, "auto must never fall back to unconfined on its own");
        Assert.Contains("not installed", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install bubblewrap", e.Message, StringComparison.Ordinal);
        Assert.Contains("--sandbox none", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_AutoWithWorkingBwrap_Confined()
    {
        await SandboxTestEnvironment.RequireLauncherAsync();

        var selection = await SandboxLauncherFactory.CreateAsync(SandboxMode.Auto, new BubblewrapOptions(), () => new RecordingUnconfinedLauncher(), TestContext.Current.CancellationToken);

        Assert.IsType<BubblewrapServerLauncher>(selection.Launcher);
        Assert.True(selection.IsConfined);
        Assert.Null(selection.Warning);
        Assert.Equal("socat", selection.Probe!.Relay);
    }

    [Fact]
    public async Task Probe_BwrapFailsAtRunTime_UnavailableWithBwrapsReason()
    {
        using var temp = new TempDirectory("mcpguard-sandbox-fakebwrap");
        // Stands in for a bwrap that AppArmor or a container profile stops at namespace creation.
        var fake = temp.Write("bwrap", """
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo "bubblewrap 0.8.0"; exit 0; fi
            echo "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2
            exit 1
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }
        var options = new BubblewrapOptions { BwrapPath = fake };

        var probe = await SandboxProbe.RunAsync(options, TestContext.Current.CancellationToken);
        var refusal = await Assert.ThrowsAsync<UserInputException>(() =>
            SandboxLauncherFactory.CreateAsync(SandboxMode.Auto, options, () => new RecordingUnconfinedLauncher(), TestContext.Current.CancellationToken));

        Assert.False(probe.IsAvailable);
        Assert.Contains("No permissions to create new namespace", probe.Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(probe.Remedy));
        Assert.Contains("No permissions to create new namespace", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_BwrapError_NamesCauseAndFix()
    {
        var (reason, remedy) = SandboxProbe.Explain("bwrap: setting up uid map: Permission denied\n");

        Assert.Contains("setting up uid map: Permission denied", reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(remedy));
    }

    [Fact]
    public async Task Build_Recipe_IsolatesAndKeepsSecretsOutOfArgv()
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        using var temp = new TempDirectory("mcpguard-sandbox-recipe");
        var sock = temp.Write("egress.sock", "");
        var spec = new ServerLaunchSpec
        {
            Command = "node",
            Arguments = ["index.js"],
            ReadOnlyPaths = [temp.Path],
            Environment = new Dictionary<string, string> { ["POSTMARK_SERVER_TOKEN"] = "s3cret-value", ["NODE_OPTIONS"] = "--max-old-space-size=64" },
            EgressSocketPath = sock,
        };

        var command = launcher.BuildCommand(spec);

        var args = command.Arguments;
        Assert.Contains("--unshare-all", args);
        Assert.Contains("--unshare-user", args);
        Assert.Contains("--die-with-parent", args);
        Assert.Contains("--new-session", args);
        Assert.Equal("ALL", args[args.ToList().IndexOf("--cap-drop") + 1]);
        Assert.DoesNotContain(args, a => a.Contains("s3cret-value", StringComparison.Ordinal));
        Assert.DoesNotContain(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), args);
        Assert.Equal("s3cret-value", command.Environment["POSTMARK_SERVER_TOKEN"]);
        Assert.Equal("http://127.0.0.1:3128", command.Environment["HTTPS_PROXY"]);
        Assert.Equal("--require " + SandboxPaths.NodePreload + " --max-old-space-size=64", command.Environment["NODE_OPTIONS"]);
        Assert.Equal(SandboxPaths.Home, args[args.ToList().IndexOf("--chdir") + 1]);
    }

    [Fact]
    public async Task Build_BundleWithSystemRoots_NodeGetsOnlyTheExtraCa()
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();
        Assert.True(File.Exists("/etc/ssl/certs/ca-certificates.crt"), "this test needs the Debian system CA store (ca-certificates)");

        var command = launcher.BuildCommand(new ServerLaunchSpec { Command = "node", EgressSocketPath = rig.Proxy.SocketPath, TrustBundlePath = rig.TrustBundle });

        Assert.Equal(SandboxPaths.TrustBundle, command.Environment["SSL_CERT_FILE"]);
        Assert.Equal(SandboxPaths.NodeExtraCaCerts, command.Environment["MCPGUARD_NODE_EXTRA_CA"]);
        Assert.False(command.Environment.ContainsKey("NODE_EXTRA_CA_CERTS"), "the preload adds the CA lazily instead");
        var args = command.Arguments.ToList();
        var extraFile = args[args.IndexOf(SandboxPaths.NodeExtraCaCerts) - 1];
        var extra = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        extra.ImportFromPemFile(extraFile);
        Assert.Equal(rig.Certificates.Ca.Thumbprint, Assert.Single(extra).Thumbprint);
    }

    [Fact]
    public async Task Build_RelativeOrMissingPath_Rejected()
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();

        Assert.Throws<SandboxLaunchException>(() => launcher.BuildCommand(new ServerLaunchSpec { Command = "node", ReadOnlyPaths = ["relative/dir"] }));
        Assert.Throws<SandboxLaunchException>(() => launcher.BuildCommand(new ServerLaunchSpec { Command = "node", ReadWritePaths = ["/nonexistent/mcpguard"] }));
        Assert.Throws<SandboxLaunchException>(() => launcher.BuildCommand(new ServerLaunchSpec { Command = "no-such-server-binary" }));
    }

    [Fact]
    public async Task Build_MountInsideProtectedFolder_RefusedAndMissingProtectedPathIgnored()
    {
        await SandboxTestEnvironment.RequireLauncherAsync();
        using var temp = new TempDirectory("mcpguard-sandbox-protected");
        var dataDir = Directory.CreateDirectory(Path.Combine(temp.Path, "data", "sub")).Parent!.FullName;
        var launcher = new BubblewrapServerLauncher(new BubblewrapOptions { ProtectedPaths = [dataDir, Path.Combine(temp.Path, "not-created-yet")] });

        var e = Assert.Throws<SandboxLaunchException>(() =>
            launcher.BuildCommand(new ServerLaunchSpec { Command = "node", ReadOnlyPaths = [Path.Combine(dataDir, "sub")] }));
        Assert.Contains("protected", e.Message, StringComparison.Ordinal);

        var masked = launcher.BuildCommand(new ServerLaunchSpec { Command = "node", ReadOnlyPaths = [temp.Path] });
        Assert.Contains(dataDir, masked.Arguments);
    }

    [Fact]
    public async Task Start_NoRelayProgram_FailsClosed()
    {
        var probe = await SandboxTestEnvironment.RequireLauncherAsync();
        var launcher = new BubblewrapServerLauncher(null, probe.Tools with { Socat = null, Node = null });
        using var temp = new TempDirectory("mcpguard-sandbox-norelay");

        var e = await Assert.ThrowsAsync<SandboxUnavailableException>(() =>
            launcher.StartAsync(new ServerLaunchSpec { Command = "node", EgressSocketPath = temp.Write("egress.sock", "") }, TestContext.Current.CancellationToken));

        Assert.Contains("socat", e.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RelayDies_ServerNeverRunsAndStderrSaysWhy()
    {
        var probe = await SandboxTestEnvironment.RequireLauncherAsync();
        var launcher = new BubblewrapServerLauncher(null, probe.Tools with { Socat = "/bin/false" });
        using var temp = new TempDirectory("mcpguard-sandbox-relaydies");
        var script = temp.Write("server.cjs", "console.log('server ran');");

        var run = await SandboxRunner.RunAsync(launcher, SandboxRunner.Node(script) with { EgressSocketPath = temp.Write("egress.sock", "") });

        Assert.Equal(125, run.ExitCode);
        Assert.DoesNotContain("server ran", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(SandboxPaths.StderrMarker + " the egress relay did not start", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NodeRelayFallback_CarriesHttps()
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var probe = await SandboxTestEnvironment.RequireLauncherAsync();
        var launcher = new BubblewrapServerLauncher(null, probe.Tools with { Socat = null });
        await using var rig = await SandboxTestEgressRig.StartAsync();
        var spec = new ServerLaunchSpec
        {
            Command = "node",
            Arguments = [Path.Combine(SandboxTestEnvironment.EmailServerFixtures, "egress-clients.cjs"), "https"],
            ReadOnlyPaths = [SandboxTestEnvironment.EmailServerFixtures, SandboxTestEnvironment.NodeModules],
            EgressSocketPath = rig.Proxy.SocketPath,
            TrustBundlePath = rig.TrustBundle,
        };

        var run = await SandboxRunner.RunAsync(launcher, spec);

        var result = JsonDocument.Parse(run.StandardOutput.Trim()).RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean(), result + " / " + run.StandardError);
        Assert.Contains("CONNECT api.example.test:443", rig.Proxy.Requests);
    }

    [Fact]
    public async Task Stop_LongRunningServer_KilledAfterGrace()
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        using var temp = new TempDirectory("mcpguard-sandbox-stop");
        var script = temp.Write("stubborn.cjs", "process.stdin.resume(); process.stdin.on('end', () => {}); setInterval(() => {}, 1000);");
        await using var process = await launcher.StartAsync(SandboxRunner.Node(script), TestContext.Current.CancellationToken);

        await process.StopAsync(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.True(process.Exited.IsCompleted);
        Assert.NotEqual(0, await process.Exited);
    }

    [Fact]
    public async Task Start_RelayDies_NonNodeServer_ShellRefusesToStartIt()
    {
        // Not a Node program: no preload to wait for the relay, so the wrapper shell waits and refuses.
        var probe = await SandboxTestEnvironment.RequireLauncherAsync();
        var launcher = new BubblewrapServerLauncher(null, probe.Tools with { Socat = "/bin/false" });
        using var temp = new TempDirectory("mcpguard-sandbox-relaydies-sh");

        var run = await SandboxRunner.RunAsync(
            launcher,
            new ServerLaunchSpec { Command = "/bin/sh", Arguments = ["-c", "echo server ran"], EgressSocketPath = temp.Write("egress.sock", "") });

        Assert.Equal(125, run.ExitCode);
        Assert.DoesNotContain("server ran", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(SandboxPaths.StderrMarker + " the egress relay did not start", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildCommand_NodeServerWithPreload_StartsRelayInParallel_OthersWaitInShell()
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        using var temp = new TempDirectory("mcpguard-sandbox-parallel");
        var socket = temp.Write("egress.sock", "");

        var node = launcher.BuildCommand(new ServerLaunchSpec { Command = "node", EgressSocketPath = socket });
        var shell = launcher.BuildCommand(new ServerLaunchSpec { Command = "/bin/sh", EgressSocketPath = socket });
        var noPreload = new BubblewrapServerLauncher(new BubblewrapOptions { NodeProxyPreload = false })
            .BuildCommand(new ServerLaunchSpec { Command = "node", EgressSocketPath = socket });

        Assert.Equal("3128 5000", node.Environment["MCPGUARD_RELAY_WAIT"]);
        Assert.DoesNotContain(node.Arguments, a => a.Contains("/proc/net/tcp", StringComparison.Ordinal));
        Assert.False(shell.Environment.ContainsKey("MCPGUARD_RELAY_WAIT"));
        Assert.Contains(shell.Arguments, a => a.Contains("/proc/net/tcp", StringComparison.Ordinal));
        Assert.False(noPreload.Environment.ContainsKey("MCPGUARD_RELAY_WAIT"));
    }

    [Fact]
    public void IsNodeProgram_NodeAndNodeShebangs_NotShellScripts()
    {
        using var temp = new TempDirectory("mcpguard-sandbox-isnode");

        Assert.True(BubblewrapCommandBuilder.IsNodeProgram(ExecutableLocator.Find("node")!));
        Assert.True(BubblewrapCommandBuilder.IsNodeProgram(temp.Write("cli.js", "#!/usr/bin/env node\nconsole.log(1);\n")));
        Assert.True(BubblewrapCommandBuilder.IsNodeProgram(temp.Write("cli2.js", "#!/usr/bin/node --no-warnings\n")));
        Assert.False(BubblewrapCommandBuilder.IsNodeProgram(temp.Write("run.sh", "#!/bin/sh\nexec node x.js\n")));
        Assert.False(BubblewrapCommandBuilder.IsNodeProgram(temp.Write("tool.py", "#!/usr/bin/env python3\n")));
        Assert.False(BubblewrapCommandBuilder.IsNodeProgram("/bin/sh"));
    }

    [Fact]
    public async Task Probe_SuccessIsCachedInTheAssetFolder_AndReusedWithoutRunningBwrap()
    {
        await SandboxTestEnvironment.RequireLauncherAsync();
        using var temp = new TempDirectory("mcpguard-sandbox-probecache");
        var assets = Path.Combine(temp.Path, "assets");
        var options = new BubblewrapOptions { AssetDirectory = assets };

        var first = await SandboxProbe.RunAsync(options, TestContext.Current.CancellationToken);
        var entry = Assert.Single(Directory.GetFiles(assets, "probe-ok-*"));
        // A marker only the cache can produce: the second probe must return it instead of asking bwrap again.
        File.WriteAllText(entry, "cached-marker\n");
        var second = await SandboxProbe.RunAsync(options, TestContext.Current.CancellationToken);
        var otherBwrap = await SandboxProbe.RunAsync(options with { BwrapPath = "/nonexistent/bwrap" }, TestContext.Current.CancellationToken);

        Assert.True(first.IsAvailable, first.Describe());
        Assert.NotEqual("cached-marker", first.Version);
        Assert.True(second.IsAvailable);
        Assert.Equal("cached-marker", second.Version);
        Assert.False(otherBwrap.IsAvailable);
    }
}
