using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// Escape attempts from a node program inside a real bubblewrap sandbox. Each must fail; the allowed counterpart
/// (a --rw folder, a passed variable) must work, so the test cannot pass by the sandbox simply being broken.
/// </summary>
public sealed class SandboxEscapeTests : IDisposable
{
    private const string ProbeScript = """
        // SYNTHETIC TEST FIXTURE (McpGuard): sandbox escape attempts; talks only to 127.0.0.1.
        const fs = require('node:fs');
        const net = require('node:net');
        const dns = require('node:dns');
        const path = require('node:path');
        const [check, ...args] = process.argv.slice(2);
        const out = (o) => console.log(JSON.stringify(o));
        const fail = (e) => out({ ok: false, error: e.code || e.message });
        const checks = {
          read: () => out({ ok: true, content: fs.readFileSync(args[0], 'utf8') }),
          list: () => out({ ok: true, entries: fs.readdirSync(args[0]) }),
          write: () => {
            fs.mkdirSync(path.dirname(args[0]), { recursive: true });
            fs.writeFileSync(args[0], 'written from the sandbox');
            out({ ok: true });
          },
          connect: () => {
            const s = net.connect(Number(args[0]), '127.0.0.1', () => { s.destroy(); out({ ok: true }); });
            s.on('error', fail);
          },
          dns: async () => {
            const results = [];
            try { results.push(await dns.promises.lookup(args[0])); } catch (e) { results.push(e.code); }
            try { results.push(await dns.promises.resolve4(args[0])); } catch (e) { results.push(e.code); }
            out({ ok: results.some((r) => typeof r !== 'string'), results });
          },
          procs: () => {
            const procs = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => {
              let cmd = '';
              try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch {}
              return { pid: Number(pid), cmd };
            });
            let signal = 'ESRCH';
            try { process.kill(Number(args[0]), 0); signal = 'delivered'; } catch (e) { signal = e.code; }
            out({ ok: true, procs, signal });
          },
          env: () => out({ ok: true, env: process.env }),
          caps: () => out({ ok: true, status: fs.readFileSync('/proc/self/status', 'utf8') }),
        };
        try { const r = checks[check](); if (r && r.catch) r.catch(fail); } catch (e) { fail(e); }
        """;

    private readonly TempDirectory _temp = new("mcpguard-sandbox-escape");
    private readonly string _script;

    public SandboxEscapeTests()
    {
        _script = _temp.Write("code/escape-probe.cjs", ProbeScript);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<JsonElement> ProbeAsync(string check, string[] args, Func<ServerLaunchSpec, ServerLaunchSpec>? adjust = null, BubblewrapOptions? options = null)
    {
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync(options);
        var spec = SandboxRunner.Node(_script, [check, .. args]);
        var run = await SandboxRunner.RunAsync(launcher, adjust is null ? spec : adjust(spec));
        var line = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        Assert.True(line is not null, $"no output (exit {run.ExitCode}): {run.StandardError}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [Fact]
    public async Task ReadRealHomeFile_InsideSandbox_NotFound()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var secret = Path.Combine(home, $".mcpguard-sandbox-test-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(secret, "real home secret", TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal("real home secret", await File.ReadAllTextAsync(secret, TestContext.Current.CancellationToken));
            var read = await ProbeAsync("read", [secret]);
            Assert.False(read.GetProperty("ok").GetBoolean(), read.ToString());
            Assert.Equal("ENOENT", read.GetProperty("error").GetString());

            var homeInside = await ProbeAsync("list", [SandboxPaths.Home]);
            Assert.Empty(homeInside.GetProperty("entries").EnumerateArray());
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task ConnectToHostLoopbackPort_InsideSandbox_Refused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await ProbeAsync("connect", [port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.False(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("ECONNREFUSED", result.GetProperty("error").GetString());
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task ResolveName_InsideSandbox_Fails()
    {
        var result = await ProbeAsync("dns", ["example.com"]);

        Assert.False(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.All(result.GetProperty("results").EnumerateArray(), r => Assert.Equal(JsonValueKind.String, r.ValueKind));
    }

    [Fact]
    public async Task WriteOutsideAllowedFolders_InsideSandbox_NeverReachesHost()
    {
        var writable = Directory.CreateDirectory(Path.Combine(_temp.Path, "rw")).FullName;
        var unmounted = Path.Combine(_temp.Path, "not-mounted", "escape.txt");
        var readOnly = Path.Combine(Path.GetDirectoryName(_script)!, "escape.txt");
        ServerLaunchSpec WithRw(ServerLaunchSpec s) => s with { ReadWritePaths = [writable] };

        var allowed = await ProbeAsync("write", [Path.Combine(writable, "ok.txt")], WithRw);
        Assert.True(allowed.GetProperty("ok").GetBoolean(), allowed.ToString());
        Assert.Equal("written from the sandbox", await File.ReadAllTextAsync(Path.Combine(writable, "ok.txt"), TestContext.Current.CancellationToken));

        foreach (var scratch in new[] { "/tmp/scratch.txt", SandboxPaths.Home + "/.cache/scratch.txt" })
        {
            var ok = await ProbeAsync("write", [scratch], WithRw);
            Assert.True(ok.GetProperty("ok").GetBoolean(), "private scratch space must stay writable: " + scratch + " " + ok);
        }

        var intoReadOnly = await ProbeAsync("write", [readOnly], WithRw);
        Assert.False(intoReadOnly.GetProperty("ok").GetBoolean(), intoReadOnly.ToString());
        Assert.Equal("EROFS", intoReadOnly.GetProperty("error").GetString());

        foreach (var target in new[] { "/usr/mcpguard-escape.txt", "/etc/mcpguard-escape.txt", "/mcpguard-escape.txt", SandboxPaths.RunDirectory + "/escape.txt" })
        {
            var system = await ProbeAsync("write", [target], WithRw);
            Assert.False(system.GetProperty("ok").GetBoolean(), target + ": " + system);
        }

        // Not mounted: at best it lands in the sandbox's own throwaway root, never on the host.
        await ProbeAsync("write", [unmounted], WithRw);
        Assert.False(File.Exists(unmounted));
        Assert.False(File.Exists(readOnly));
        Assert.False(File.Exists("/usr/mcpguard-escape.txt"));
    }

    [Fact]
    public async Task ReadCaKeyInDataDir_InsideSandbox_NotVisibleEvenWhenParentMounted()
    {
        var dataDir = Directory.CreateDirectory(Path.Combine(_temp.Path, "data")).FullName;
        var key = Path.Combine(dataDir, "ca-key.pem");
        await File.WriteAllTextAsync(key, "-----BEGIN PRIVATE KEY-----\nsecret\n", TestContext.Current.CancellationToken);
        var bundle = Path.Combine(dataDir, "ca-bundle.pem");
        await File.WriteAllTextAsync(bundle, "-----BEGIN CERTIFICATE-----\npublic\n", TestContext.Current.CancellationToken);

        // Normal case: only the bundle file is mounted (at a fixed path), never the folder holding the key.
        var normal = await ProbeAsync("read", [key], s => s with { TrustBundlePath = bundle });
        Assert.False(normal.GetProperty("ok").GetBoolean(), normal.ToString());
        var bundleInside = await ProbeAsync("read", [SandboxPaths.TrustBundle], s => s with { TrustBundlePath = bundle });
        Assert.Contains("public", bundleInside.GetProperty("content").GetString(), StringComparison.Ordinal);

        // A --ro that contains the data dir: the protected folder is masked.
        var options = new BubblewrapOptions { ProtectedPaths = [dataDir] };
        var masked = await ProbeAsync("read", [key], s => s with { ReadOnlyPaths = [.. s.ReadOnlyPaths, _temp.Path] }, options);
        Assert.False(masked.GetProperty("ok").GetBoolean(), masked.ToString());
        var sibling = await ProbeAsync("read", [_script], s => s with { ReadOnlyPaths = [_temp.Path] }, options);
        Assert.True(sibling.GetProperty("ok").GetBoolean(), "the rest of the --ro folder stays readable: " + sibling);

        // Host TLS private keys are not part of the minimal /etc either.
        var etcSsl = await ProbeAsync("list", ["/etc/ssl"]);
        Assert.DoesNotContain(etcSsl.GetProperty("entries").EnumerateArray(), e => e.GetString() == "private");

        // A protected file (not folder) is replaced by an empty one.
        var maskedFile = await ProbeAsync("read", [key], s => s with { ReadOnlyPaths = [_temp.Path] }, new BubblewrapOptions { ProtectedPaths = [key] });
        Assert.DoesNotContain("secret", maskedFile.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListProcesses_InsideSandbox_SeesNoHostProcess()
    {
        var result = await ProbeAsync("procs", [Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var procs = result.GetProperty("procs").EnumerateArray().ToList();
        Assert.InRange(procs.Count, 1, 5);
        Assert.All(procs, p => Assert.DoesNotContain("McpGuard.Runtime.Tests", p.GetProperty("cmd").GetString(), StringComparison.Ordinal));
        Assert.Contains(procs, p => p.GetProperty("cmd").GetString()!.Contains("escape-probe.cjs", StringComparison.Ordinal));
        Assert.NotEqual("delivered", result.GetProperty("signal").GetString());
    }

    [Fact]
    public async Task InheritEnvironment_InsideSandbox_OnlyPassedVariables()
    {
        Environment.SetEnvironmentVariable("MCPGUARD_SANDBOX_TEST_LEAK", "must-not-leak");
        try
        {
            var result = await ProbeAsync("env", [], s => s with
            {
                Environment = new Dictionary<string, string> { ["PASSED_ON_PURPOSE"] = "yes", ["HTTPS_PROXY"] = "http://evil.example:1" },
            });

            var env = result.GetProperty("env");
            Assert.False(env.TryGetProperty("MCPGUARD_SANDBOX_TEST_LEAK", out _), env.ToString());
            Assert.Equal("yes", env.GetProperty("PASSED_ON_PURPOSE").GetString());
            Assert.Equal(SandboxPaths.Home, env.GetProperty("HOME").GetString());
            Assert.False(env.TryGetProperty("HTTPS_PROXY", out _), "a caller's proxy setting is dropped when there is no egress socket");
        }
        finally
        {
            Environment.SetEnvironmentVariable("MCPGUARD_SANDBOX_TEST_LEAK", null);
        }
    }

    [Fact]
    public async Task Capabilities_InsideSandbox_AllDropped()
    {
        var result = await ProbeAsync("caps", []);

        var status = result.GetProperty("status").GetString()!;
        Assert.Contains("CapEff:\t0000000000000000", status, StringComparison.Ordinal);
        Assert.Contains("CapPrm:\t0000000000000000", status, StringComparison.Ordinal);
    }
}
