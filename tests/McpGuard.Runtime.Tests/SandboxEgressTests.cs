using System.Text.Json;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// Node's fetch, http/https and axios inside a real bubblewrap sandbox reach a local HTTPS/HTTP server only through
/// the in-sandbox relay and a CONNECT proxy on a Unix socket; a client that ignores the proxy cannot connect.
/// </summary>
public sealed class SandboxEgressTests
{
    private static string ClientScript => Path.Combine(SandboxTestEnvironment.EmailServerFixtures, "egress-clients.cjs");

    private static ServerLaunchSpec ClientSpec(SandboxTestEgressRig rig, params string[] clients) => new()
    {
        Command = "node",
        Arguments = [ClientScript, .. clients],
        ReadOnlyPaths = [SandboxTestEnvironment.EmailServerFixtures, SandboxTestEnvironment.NodeModules],
        EgressSocketPath = rig.Proxy.SocketPath,
        TrustBundlePath = rig.TrustBundle,
    };

    /// <summary>A script the test wrote into the rig's temp folder, run with the rig's egress.</summary>
    private static ServerLaunchSpec ScriptSpec(SandboxTestEgressRig rig, string script) =>
        ClientSpec(rig) with { Arguments = [script], ReadOnlyPaths = [rig.Temp.Path] };

    private static Dictionary<string, JsonElement> ParseResults(SandboxRunResult run) =>
        run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToDictionary(e => e.GetProperty("client").GetString()!);

    [Fact]
    public async Task NodeClients_InsideSandbox_ReachHttpsOnlyThroughRelayAndProxy()
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();

        var run = await SandboxRunner.RunAsync(launcher, ClientSpec(rig, "fetch", "fetch-gzip", "https", "axios", "http"));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        var results = ParseResults(run);
        foreach (var client in new[] { "fetch", "fetch-gzip", "https", "axios", "http" })
        {
            var result = results[client];
            Assert.True(result.GetProperty("ok").GetBoolean(), $"{client}: {result} / stderr: {run.StandardError}");
            Assert.Equal(200, result.GetProperty("status").GetInt32());
        }

        Assert.Equal("""{"ok":true,"compressed":true}""", results["fetch-gzip"].GetProperty("body").GetString());
        var received = rig.Server.Requests.ToArray();
        Assert.Contains(received, r => r is { Client: "fetch", Scheme: "https", Method: "POST", Body: """{"hello":"fetch"}""" });
        Assert.Contains(received, r => r is { Client: "https", Scheme: "https", Method: "GET" });
        Assert.Contains(received, r => r is { Client: "axios", Scheme: "https", Method: "POST" } && r.Body.Contains("axios", StringComparison.Ordinal));
        Assert.Contains(received, r => r is { Client: "http", Scheme: "http", Host: "plain.example.test" });
        // Every request arrived through the proxy: HTTPS as CONNECT tunnels, plain HTTP in absolute form.
        Assert.Contains("CONNECT api.example.test:443", rig.Proxy.Requests);
        Assert.Contains("GET http://plain.example.test/check", rig.Proxy.Requests);
    }

    [Fact]
    public async Task NodeClients_WithoutPreload_OnlyAxiosReachesProxy()
    {
        // Proves the preload is what routes Node 20's fetch/http/https: without it they fail closed, axios does not.
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync(new BubblewrapOptions { NodeProxyPreload = false });
        await using var rig = await SandboxTestEgressRig.StartAsync();

        var run = await SandboxRunner.RunAsync(launcher, ClientSpec(rig, "fetch", "https", "axios"));

        var results = ParseResults(run);
        Assert.False(results["fetch"].GetProperty("ok").GetBoolean(), results["fetch"].ToString());
        Assert.False(results["https"].GetProperty("ok").GetBoolean(), results["https"].ToString());
        Assert.True(results["axios"].GetProperty("ok").GetBoolean(), results["axios"] + " / " + run.StandardError);
        Assert.DoesNotContain(rig.Server.Requests, r => r.Client is "fetch" or "https");
    }

    [Fact]
    public async Task ClientIgnoringProxy_InsideSandbox_CannotConnectAndSaysWhyOnStderr()
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();

        var run = await SandboxRunner.RunAsync(launcher, ClientSpec(rig, "direct", $"direct-ip:{rig.Server.HttpsPort}"));

        var results = ParseResults(run);
        Assert.False(results["direct"].GetProperty("ok").GetBoolean(), results["direct"].ToString());
        Assert.False(results[$"direct-ip:{rig.Server.HttpsPort}"].GetProperty("ok").GetBoolean());
        Assert.Contains(SandboxPaths.StderrMarker + " direct network access blocked", run.StandardError, StringComparison.Ordinal);
        Assert.Empty(rig.Server.Requests);
    }

    [Fact]
    public async Task ProxyRefusal_InsideSandbox_SurfacesAsRecognisableError()
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();
        var script = rig.Temp.Write("refused.cjs", """
            fetch('https://not-allowed.example.test/').then(
              (r) => console.log('status ' + r.status),
              (e) => console.log('rejected ' + (e.cause ? e.cause.message : e.message)));
            """);

        var run = await SandboxRunner.RunAsync(launcher, ScriptSpec(rig, script));

        Assert.Contains("rejected mcpguard-sandbox: the egress proxy refused not-allowed.example.test:443: HTTP 403", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("CONNECT not-allowed.example.test:443 -> 403", rig.Proxy.Requests);
    }

    [Fact]
    public async Task Preload_LoadsTlsHttpsZlibOnlyOnFirstUse_AndEsmNamedImportsStillTunnel()
    {
        // The preload is lazy (start-up cost): a server that never makes a request must not pay for tls/https/zlib.
        // An ESM server's named import of https.request, taken before any of that loaded, must still go through the
        // proxy, and so must a CommonJS require('tls') user's tls.connect get McpGuard's CA (checked via https).
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();
        var idle = rig.Temp.Write("idle.cjs", """
            const loaded = ['tls', 'https', 'zlib'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m));
            console.log(JSON.stringify({ loaded }));
            """);
        var esm = rig.Temp.Write("esm.mjs", """
            import { request } from 'node:https';
            const req = request('https://api.example.test/check', { headers: { 'x-client': 'esm-named' } }, (res) => {
              res.resume();
              res.on('end', () => console.log('status ' + res.statusCode));
            });
            req.on('error', (e) => console.log('error ' + e.message));
            req.end();
            """);

        var idleRun = await SandboxRunner.RunAsync(launcher, ScriptSpec(rig, idle));
        var esmRun = await SandboxRunner.RunAsync(launcher, ScriptSpec(rig, esm));

        Assert.True(idleRun.ExitCode == 0, idleRun.StandardError);
        Assert.Equal("""{"loaded":[]}""", idleRun.StandardOutput.Trim());
        Assert.True(esmRun.StandardOutput.Contains("status 200", StringComparison.Ordinal), esmRun.StandardOutput + " / " + esmRun.StandardError);
        Assert.Contains(rig.Server.Requests, r => r is { Client: "esm-named", Scheme: "https" });
        Assert.Contains("CONNECT api.example.test:443", rig.Proxy.Requests);
    }
}
