using McpGuard.Cli.Commands;
using McpGuard.Core;
using McpGuard.TestSupport;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpGuard.Cli.Tests;

/// <summary>
/// `npx -y pkg@ver` under --sandbox bwrap: the sandbox has no network, so McpGuard runs the copy in the npx cache
/// with node, its node_modules mounted read-only. A fake npx cache in a temp home holds a synthetic MCP server
/// (plain node, no SDK) that needs a dependency from the same node_modules.
/// </summary>
public sealed class SandboxNpxLaunchTests
{
    private const string Package = "fake-npx-mcp";
    private const string CacheHash = "0a1b2c3d4e5f6071";

    // SYNTHETIC TEST FIXTURE: a minimal line-delimited JSON-RPC MCP server; no network.
    private const string ServerScript = """
        #!/usr/bin/env node
        // SYNTHETIC TEST FIXTURE (McpGuard): minimal MCP server in a fake npx cache; no network.
        const readline = require('node:readline');
        const { greeting } = require('fake-npx-dep');
        const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
        readline.createInterface({ input: process.stdin }).on('line', (line) => {
          const msg = JSON.parse(line);
          if (msg.id === undefined) return;
          if (msg.method === 'initialize') {
            send({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'fake-npx-mcp', version: '1.0.0' } } });
          } else if (msg.method === 'tools/list') {
            send({ jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: 'whereami', description: 'Where the server runs.', inputSchema: { type: 'object', properties: {} } }] } });
          } else if (msg.method === 'tools/call') {
            const text = JSON.stringify({ greeting, file: __filename, home: process.env.HOME, sandbox: process.env.MCPGUARD_SANDBOX || '', args: process.argv.slice(2) });
            send({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }] } });
          } else {
            send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'not found' } });
          }
        });
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Writes HOME/.npm/_npx/HASH/node_modules/{fake-npx-mcp,fake-npx-dep} and returns the node_modules path.</summary>
    private static string WriteFakeNpxCache(string home, string version = "1.0.0")
    {
        var nodeModules = Path.Combine(home, ".npm", "_npx", CacheHash, "node_modules");
        var package = Directory.CreateDirectory(Path.Combine(nodeModules, Package)).FullName;
        File.WriteAllText(Path.Combine(package, "package.json"), $$"""{ "name": "{{Package}}", "version": "{{version}}", "bin": { "{{Package}}": "bin/server.js" } }""");
        Directory.CreateDirectory(Path.Combine(package, "bin"));
        File.WriteAllText(Path.Combine(package, "bin", "server.js"), ServerScript);
        var dep = Directory.CreateDirectory(Path.Combine(nodeModules, "fake-npx-dep")).FullName;
        File.WriteAllText(Path.Combine(dep, "package.json"), """{ "name": "fake-npx-dep", "version": "2.0.0", "main": "index.js" }""");
        File.WriteAllText(Path.Combine(dep, "index.js"), "module.exports = { greeting: 'hello from the npx cache' };\n");
        return nodeModules;
    }

    private static CliContext Context(string home, TextWriter stderr) =>
        CliContext.ForWriters(TextWriter.Null, stderr, name => name == "HOME" ? home : null, workingDirectory: home);

    [Fact]
    public void ForSandbox_PinnedNpxInCache_RunsBinWithNodeAndMountsItsNodeModules()
    {
        using var dir = new TempDirectory();
        var nodeModules = WriteFakeNpxCache(dir.Path);
        using var stderr = new StringWriter();

        var (command, paths) = PackageTree.ForSandbox(["npx", "-y", $"{Package}@1.0.0", "--flag", "x"], Context(dir.Path, stderr));

        Assert.Equal(["node", Path.Combine(nodeModules, Package, "bin", "server.js"), "--flag", "x"], command);
        Assert.Equal([nodeModules], paths);
        Assert.Contains($"running {Package}@1.0.0 from", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ForSandbox_VersionNotInCache_ClearErrorNamingWhatIsInstalledAndHowToFetch()
    {
        using var dir = new TempDirectory();
        WriteFakeNpxCache(dir.Path);

        var ex = Assert.Throws<UserInputException>(() => PackageTree.ForSandbox(["npx", "-y", $"{Package}@9.9.9"], Context(dir.Path, TextWriter.Null)));

        Assert.Contains($"{Package}@9.9.9 is not in the npx cache (installed: 1.0.0)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"npm exec --yes --ignore-scripts --package={Package}@9.9.9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForSandbox_NotAPackageRunner_CommandUnchanged()
    {
        using var dir = new TempDirectory();
        string[] command = ["python3", "-m", "server"];

        var (result, paths) = PackageTree.ForSandbox(command, Context(dir.Path, TextWriter.Null));

        Assert.Equal(command, result);
        Assert.Empty(paths);
    }

    [Fact]
    public async Task Run_NpxUnderBubblewrap_ServerRunsFromNpxCacheInsideSandboxWithItsDependency()
    {
        using var dir = new TempDirectory();
        var nodeModules = WriteFakeNpxCache(dir.Path);
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [RepoPaths.McpGuardDll, "run", "--name", "npx-test", "--sandbox", "bwrap", "--audit", Path.Combine(dir.Path, "audit.db"), "--", "npx", "-y", $"{Package}@1.0.0", "--port", "7"],
            WorkingDirectory = dir.Path,
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = dir.Path, ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "data") },
            StandardErrorLines = stderr.Enqueue,
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));

        await using var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
        var result = await client.CallToolAsync("whereami", new Dictionary<string, object?>(), cancellationToken: timeout.Token);

        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        var facts = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("hello from the npx cache", (string?)facts["greeting"]);
        Assert.Equal(Path.Combine(nodeModules, Package, "bin", "server.js"), (string?)facts["file"]);
        Assert.Equal("/home/mcpguard", (string?)facts["home"]);
        Assert.Equal("1", (string?)facts["sandbox"]);
        Assert.Equal(["--port", "7"], facts["args"]!.AsArray().Select(a => (string?)a));
        Assert.Contains(stderr, l => l.Contains($"running {Package}@1.0.0", StringComparison.Ordinal));
    }
}

/// <summary>What `node FILE` mounts: the package folder, never a whole home, temp or root folder.</summary>
public sealed class PackageTreeTests
{
    [Fact]
    public void PathsFor_ScriptInPackage_MountsPackageFolderAndNodeModulesAbove()
    {
        using var dir = new TempDirectory();
        dir.Write("app/package.json", "{}");
        var script = dir.Write("app/src/server.js", "");
        Directory.CreateDirectory(Path.Combine(dir.Path, "node_modules"));

        var paths = PackageTree.PathsFor(["node", script], dir.Path, home: "/nonexistent-home");

        Assert.Equal([Path.Combine(dir.Path, "app"), Path.Combine(dir.Path, "node_modules")], paths);
    }

    [Fact]
    public void PathsFor_ScriptWithNoPackageJson_MountsOnlyTheScript()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("loose/server.js", "");
        dir.Write("loose/secret.txt", "not for the sandbox");

        var paths = PackageTree.PathsFor(["node", script], dir.Path, home: "/nonexistent-home");

        Assert.Equal([script], paths);
    }

    [Fact]
    public void PathsFor_PackageJsonInHome_MountsOnlyTheScriptNotTheHome()
    {
        using var dir = new TempDirectory();
        dir.Write("package.json", "{}");
        var script = dir.Write("tools/server.js", "");

        var paths = PackageTree.PathsFor(["node", script], dir.Path, home: dir.Path);

        Assert.Equal([script], paths);
    }
}
