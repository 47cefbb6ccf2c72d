using System.Diagnostics;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Tests.Support;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.EndToEnd;

/// <summary>
/// `dotnet mcpguard.dll run|lock|verify|approve` as real processes, as a client config launches them: the TypeScript SDK
/// client, the synthetic rug-pull server and the synthetic hostile server.
/// </summary>
public sealed class McpGuardCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Task<(int Code, string Out, string Err)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, string? cwd = null) =>
        ProcessRunner.RunAsync(file, args, env, cwd, TimeSpan.FromSeconds(90), Ct);

    internal static string[] Guard(params string[] args) => [NodeFixtures.McpGuardDll, .. args];

    internal static async Task<JsonObject> TsClientAsync(string[] calls, string[] guardArgs, IDictionary<string, string>? env = null, string? cwd = null)
    {
        var args = new List<string> { NodeFixtures.Script("proxy-client", "client.mjs") };
        foreach (var call in calls)
        {
            args.Add("--call");
            args.Add(call);
        }

        args.Add("--");
        args.Add("dotnet");
        args.AddRange(Guard(guardArgs));
        var (code, stdout, stderr) = await RunAsync("node", args, env, cwd);
        Assert.True(code == 0, $"client exit {code}: {stderr}");
        var result = JsonNode.Parse(stdout)!.AsObject();
        Assert.True(result["fatal"] is null, $"{result["fatal"]}\n{stderr}");
        return result;
    }

    /// <summary>Reads the hash-chained store the way a user would: `mcpguard audit export --format jsonl`.</summary>
    internal static async Task<List<JsonNode>> AuditEventsAsync(string audit)
    {
        var export = await RunAsync("dotnet", Guard("audit", "export", "--format", "jsonl", "--audit", audit));
        Assert.True(export.Code == 0, export.Err);
        return [.. export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }

    internal static JsonObject Call(JsonObject result, string name) =>
        result["calls"]!.AsArray().Single(c => c!["name"]!.ToString() == name)!.AsObject();

    [Fact]
    public async Task TsClient_EverythingThroughMcpguardRun_WorksAndDeniedToolRefused()
    {
        _ = NodeFixtures.NodeModules;
        var result = await TsClientAsync(
            ["echo={\"message\":\"hi from ts\"}", "get-sum={\"a\":2,\"b\":3}", "get-env"],
            ["run", "--sandbox", "none", "--deny-tool", "get-env", "--", "node", NodeFixtures.Everything, "stdio"]);
        var tools = result["tools"]!.AsArray().Select(t => t!.ToString()).ToList();
        Assert.Contains("echo", tools);
        Assert.DoesNotContain("get-env", tools);
        Assert.Contains("hi from ts", Call(result, "echo")["text"]!.ToString());
        Assert.Contains("5", Call(result, "get-sum")["text"]!.ToString());
        var denied = Call(result, "get-env");
        Assert.False((bool)denied["ok"]!);
        Assert.Contains("policy does not allow the tool 'get-env'", denied["error"]!.ToString());
    }

    [Fact]
    public async Task TsClient_FilesystemThroughMcpguardRunWithPolicyAndAudit_ReadsAndAudits()
    {
        _ = NodeFixtures.NodeModules;
        using var dir = new TempDirectory();
        var file = dir.Write("data/hello.txt", "hello from fs");
        var policy = dir.Write("policy.yaml", "servers:\n  fs:\n    tools:\n      deny: [write_file]\n");
        var audit = Path.Combine(dir.Path, "audit.db");
        var result = await TsClientAsync(
            ["read_text_file={\"path\":" + JsonValue.Create(file).ToJsonString() + "}", "write_file={\"path\":\"x\",\"content\":\"y\"}"],
            ["run", "--name", "fs", "--policy", policy, "--audit", audit, "--sandbox", "none", "--", "node", NodeFixtures.Filesystem, Path.Combine(dir.Path, "data")]);
        Assert.Contains("hello from fs", Call(result, "read_text_file")["text"]!.ToString());
        Assert.False((bool)Call(result, "write_file")["ok"]!);

        var events = await AuditEventsAsync(audit);
        Assert.Contains(events, e => e["kind"]!.ToString() == "tool-call" && e["tool"]!.ToString() == "read_text_file" && e["decision"]!.ToString() == "allow");
        Assert.Contains(events, e => e["tool"]?.ToString() == "write_file" && e["decision"]!.ToString() == "block" && e["ruleId"]!.ToString() == "MCPG501");
        Assert.Contains(events, e => e["kind"]!.ToString() == "process");
    }

    [Fact]
    public async Task RugPull_ChangedDescription_HiddenUntilApproved()
    {
        _ = NodeFixtures.NodeModules;
        using var dir = new TempDirectory();
        var state = dir.Write("state.txt", "benign");
        var lockPath = Path.Combine(dir.Path, "mcpguard.lock.json");
        var env = new Dictionary<string, string> { ["RUGPULL_STATE"] = state };
        string[] server = ["node", NodeFixtures.Script("rugpull-server", "server.mjs")];
        string[] common = ["--name", "rug", "--lock", lockPath, "--sandbox", "none", "--pass-env", "RUGPULL_STATE"];

        var locked = await RunAsync("dotnet", Guard(["lock", .. common, "--", .. server]), env);
        Assert.True(locked.Code == 0, locked.Err);
        Assert.Contains("locked rug: 2 tools", locked.Out);
        Assert.Equal(0, (await RunAsync("dotnet", Guard("verify", "--lock", lockPath))).Code);

        // Before the change: both tools, calls work.
        var before = await TsClientAsync(["send_email={\"to\":\"a@example.com\",\"body\":\"x\"}"], ["run", .. common, "--", .. server], env);
        Assert.True((bool)Call(before, "send_email")["ok"]!);

        // The server's description changes between runs (synthetic rug pull).
        File.WriteAllText(state, "evil");
        var after = await TsClientAsync(["send_email={\"to\":\"a@example.com\",\"body\":\"x\"}", "ping_tool"], ["run", .. common, "--", .. server], env);
        Assert.DoesNotContain("send_email", after["tools"]!.AsArray().Select(t => t!.ToString()));
        var refused = Call(after, "send_email");
        Assert.False((bool)refused["ok"]!);
        Assert.Contains("MCPG503", refused["error"]!.ToString());
        Assert.True((bool)Call(after, "ping_tool")["ok"]!);

        // verify does not start anything and the lock itself is intact; approve shows the diff and moves the pin.
        Assert.Equal(0, (await RunAsync("dotnet", Guard("verify", "--lock", lockPath))).Code);
        var approved = await RunAsync("dotnet", Guard(["approve", .. common]), env);
        Assert.True(approved.Code == 0, approved.Err);
        Assert.Contains("tool 'send_email' changed", approved.Out);
        Assert.Contains("+ ", approved.Out);
        Assert.Contains("phan@giftshop.invalid", approved.Out);

        var approvedRun = await TsClientAsync(["send_email={\"to\":\"a@example.com\",\"body\":\"x\"}"], ["run", .. common, "--", .. server], env);
        Assert.True((bool)Call(approvedRun, "send_email")["ok"]!);
    }

    [Fact]
    public async Task Run_InstalledPackageIntegrityChanged_RefusesToStart()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("node_modules/mail-mcp/index.js", "// synthetic fixture; never started by this test");
        dir.Write("node_modules/mail-mcp/package.json", """{"name":"mail-mcp","version":"1.0.16"}""");
        dir.Write("node_modules/.package-lock.json", """{"packages":{"node_modules/mail-mcp":{"version":"1.0.16","integrity":"sha512-NEW"}}}""");
        var lockPath = dir.Write("mcpguard.lock.json", "{\"version\":1,\"servers\":{\"mail\":{\"command\":\"node\",\"args\":[" + JsonValue.Create(script).ToJsonString()
            + "],\"package\":{\"name\":\"mail-mcp\",\"version\":\"1.0.16\",\"integrity\":\"sha512-OLD\"},\"tools\":{}}}}");

        var (code, _, err) = await RunAsync("dotnet", Guard("run", "--sandbox", "none", "--", "node", script), cwd: dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("MCPG505", err);
        Assert.Contains("sha512-OLD", err);
        Assert.Equal(1, (await RunAsync("dotnet", Guard("verify", "--lock", lockPath), cwd: dir.Path)).Code);
    }

    [Fact]
    public async Task Run_PolicyFileWithError_RefusesToStartNamingFileAndLine()
    {
        using var dir = new TempDirectory();
        var policy = dir.Write("policy.yaml", "servers:\n  x:\n    tools:\n      alow: [a]\n");
        var (code, _, err) = await RunAsync("dotnet", Guard("run", "--policy", policy, "--sandbox", "none", "--", "node", "-e", "0"));
        Assert.Equal(2, code);
        Assert.Contains(policy + ":4:", err);
    }

    [Fact]
    public async Task HostileServer_EveryMisbehaviour_AnsweredAndProxyExitsCleanly()
    {
        _ = NodeFixtures.NodeModules;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in Guard("run", "--sandbox", "none", "--max-frame-bytes", "1048576", "--", "node", NodeFixtures.Script("hostile-server", "server.mjs")))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        var input = process.StandardInput;
        var output = process.StandardOutput;

        async Task<JsonObject> Next()
        {
            var line = await output.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            return JsonNode.Parse(line ?? throw new InvalidOperationException("proxy closed stdout: " + await stderr))!.AsObject();
        }

        async Task<JsonObject> Answer(int id)
        {
            while (true)
            {
                var message = await Next();
                if (message["id"] is { } got && got.ToString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return message;
                }
            }
        }

        async Task<JsonObject> CallTool(int id, string name)
        {
            await input.WriteLineAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/call\",\"params\":{{\"name\":\"{name}\"}}}}");
            await input.FlushAsync(Ct);
            return await Answer(id);
        }

        await input.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        await input.FlushAsync(Ct);
        Assert.NotNull((await Answer(1))["result"]);

        Assert.Equal(-32003, (int)(await CallTool(2, "invalid_utf8"))["error"]!["code"]!);
        Assert.NotNull((await CallTool(3, "duplicate_keys"))["error"]);
        Assert.Contains("larger than", (await CallTool(4, "oversize"))["error"]!["message"]!.ToString());
        Assert.Contains("late but right", (await CallTool(5, "wrong_id")).ToJsonString());
        Assert.Contains("flood done", (await CallTool(6, "flood")).ToJsonString());
        Assert.Equal(-32003, (int)(await CallTool(7, "truncate_and_crash"))["error"]!["code"]!);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("exited with code 7", await stderr);
    }
}
