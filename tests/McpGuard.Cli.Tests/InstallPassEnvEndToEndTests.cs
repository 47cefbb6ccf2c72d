using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.TestSupport;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpGuard.Cli.Tests;

/// <summary>
/// The point of --pass-env in install: a client config entry with an env variable, installed, then the launch line
/// install wrote run exactly as a client runs it (command and args from the file, the entry's env map set for the
/// process, a PATH where `mcpguard` is found) under the default sandbox (auto: bubblewrap) — the server sees the
/// variable, and still nothing else of the client's environment.
/// </summary>
public sealed class InstallPassEnvEndToEndTests
{
    // SYNTHETIC TEST FIXTURE: a minimal line-delimited JSON-RPC MCP server (plain node, no SDK, no network) whose one
    // tool reports which of the variables it looks for it was given.
    internal const string ServerScript = """
        // SYNTHETIC TEST FIXTURE (McpGuard): reports its environment through a tool; no network.
        const readline = require('node:readline');
        const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
        readline.createInterface({ input: process.stdin }).on('line', (line) => {
          const msg = JSON.parse(line);
          if (msg.id === undefined) return;
          if (msg.method === 'initialize') {
            send({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'env-report', version: '1.0.0' } } });
          } else if (msg.method === 'tools/list') {
            send({ jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: 'env', description: 'Reports environment variables.', inputSchema: { type: 'object', properties: {} } }] } });
          } else if (msg.method === 'tools/call') {
            const e = process.env;
            const text = JSON.stringify({ token: e.POSTMARK_SERVER_TOKEN ?? null, sender: e.DEFAULT_SENDER_EMAIL ?? null, unlisted: e.UNLISTED_SECRET ?? null, sandbox: e.MCPGUARD_SANDBOX ?? null });
            send({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }] } });
          } else {
            send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'not found' } });
          }
        });
        """;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Install_ThenRunTheRewrittenLaunchLine_ServerSeesTheEntrysEnvVariables()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var home = Directory.CreateDirectory(Path.Combine(dir.Path, "home")).FullName;
        var data = Path.Combine(dir.Path, "data");

        var (bin, server) = WriteShimAndServer(dir);
        var configPath = Path.Combine(home, ".cursor", "mcp.json");
        Directory.CreateDirectory(Path.GetDirectoryName(configPath)!);
        File.WriteAllText(configPath, new JsonObject
        {
            ["mcpServers"] = new JsonObject
            {
                ["pm"] = new JsonObject
                {
                    ["command"] = "node",
                    ["args"] = new JsonArray(server),
                    ["env"] = new JsonObject { ["POSTMARK_SERVER_TOKEN"] = "token-from-client-config", ["DEFAULT_SENDER_EMAIL"] = "me@example.test" },
                },
            },
        }.ToJsonString());

        var install = await CliHarness.RunAsync(["install", "--client", "cursor", "--home", home], n => n == "MCPGUARD_HOME" ? data : null);
        Assert.True(install.ExitCode == 0, install.Error);

        // The client's side: launch command + args from the rewritten file, with the entry's env map set for the process.
        var entry = JsonNode.Parse(File.ReadAllText(configPath))!["mcpServers"]!["pm"]!;
        var command = (string)entry["command"]!;
        var args = entry["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("mcpguard", command);
        Assert.Equal(["run", "--pass-env", "POSTMARK_SERVER_TOKEN", "--pass-env", "DEFAULT_SENDER_EMAIL", "--", "node", server], args);
        var environment = entry["env"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        environment["PATH"] = Path.GetDirectoryName(bin) + ":" + Environment.GetEnvironmentVariable("PATH");
        environment["HOME"] = home;
        environment["MCPGUARD_HOME"] = data;
        environment["UNLISTED_SECRET"] = "not-in-the-env-map";
        var seen = await CallEnvToolAsync(command, args, environment, home, ct);

        Assert.Equal("token-from-client-config", (string?)seen["token"]);
        Assert.Equal("me@example.test", (string?)seen["sender"]);
        Assert.Null((string?)seen["unlisted"]);
        Assert.Equal("1", (string?)seen["sandbox"]);
    }

    /// <summary>
    /// `mcpguard` on PATH as a user has it (the .NET tool shim), here a shell script running the freshly built CLI;
    /// and the env-report server script.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    internal static (string Bin, string Server) WriteShimAndServer(TempDirectory dir)
    {
        var bin = dir.Write("bin/mcpguard", $"#!/bin/sh\nexec dotnet {JsonSerializer.Serialize(RepoPaths.McpGuardDll)} \"$@\"\n");
        File.SetUnixFileMode(bin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (bin, dir.Write("server/env-report.js", ServerScript));
    }

    /// <summary>
    /// Starts <paramref name="command"/> <paramref name="args"/> as a client does (this environment on top of the
    /// test's, stderr collected), calls the fixture's env tool and returns what the server reported.
    /// </summary>
    internal static async Task<JsonNode> CallEnvToolAsync(string command, IList<string> args, IDictionary<string, string?> environment, string workingDirectory, CancellationToken ct)
    {
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = command,
            Arguments = args,
            WorkingDirectory = workingDirectory,
            EnvironmentVariables = environment,
            StandardErrorLines = stderr.Enqueue,
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await using var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
            var result = await client.CallToolAsync("env", new Dictionary<string, object?>(), cancellationToken: timeout.Token);
            return JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text)!;
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"the installed launch line did not serve the tool: {ex.Message}\nstderr:\n{string.Join("\n", stderr)}", ex);
        }
    }
}
