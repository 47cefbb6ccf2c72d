using System.Diagnostics;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Tests.Support;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.EndToEnd;

/// <summary>
/// Issue 4's durability promise, tested on the real process: `kill -9` of `mcpguard run` at any moment loses no
/// event for a message it forwarded, and leaves an audit chain that verifies.
/// </summary>
public sealed class RunKillTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(150)]
    public async Task Run_KilledMidTraffic_EveryForwardedResponseAuditedAndChainVerifies(int killAfterResponses)
    {
        _ = NodeFixtures.NodeModules;
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in McpGuardCliTests.Guard("run", "--sandbox", "none", "--audit", audit, "--", "node", NodeFixtures.Everything, "stdio"))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["MCPGUARD_HOME"] = Path.Combine(dir.Path, "home");
        using var guard = Process.Start(psi)!;
        _ = guard.StandardError.ReadToEndAsync(Ct);
        var stdin = guard.StandardInput;
        await stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"kill-test","version":"1"}}}""");
        await stdin.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await stdin.FlushAsync(Ct);

        // Keep up to 8 calls in flight so the kill lands while frames move in both directions.
        var received = new HashSet<string>(StringComparer.Ordinal);
        var nextId = 100;
        for (var i = 0; i < 8; i++)
        {
            await SendEchoAsync(stdin, nextId++);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (received.Count < killAfterResponses)
        {
            var line = await guard.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("mcpguard closed stdout early");
            var id = JsonNode.Parse(line)?["id"]?.ToString();
            if (id is not null && int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) >= 100)
            {
                received.Add(id);
                await SendEchoAsync(stdin, nextId++);
            }
        }

        guard.Kill(entireProcessTree: true); // SIGKILL: no chance to flush anything
        await guard.WaitForExitAsync(Ct);

        var responses = (await McpGuardCliTests.AuditEventsAsync(audit))
            .Where(e => e["direction"]?.ToString() == "server-to-client" && e["requestId"] is not null)
            .Select(e => e["requestId"]!.ToString())
            .ToHashSet(StringComparer.Ordinal);
        var missing = received.Where(id => !responses.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"forwarded responses without an audit event: {string.Join(", ", missing)}");
        var verify = await McpGuardCliTests.RunAsync("dotnet", McpGuardCliTests.Guard("audit", "verify", "--audit", audit));
        Assert.True(verify.Code == 0, verify.Out + verify.Err);
    }

    private static async Task SendEchoAsync(StreamWriter stdin, int id)
    {
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = $"m{id}" } },
        };
        await stdin.WriteLineAsync(call.ToJsonString());
        await stdin.FlushAsync(Ct);
    }
}
