using McpGuard.Runtime.Tests.Support;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests.EndToEnd;

/// <summary>
/// Injected instructions outside plain text content (structuredContent, embedded resources) are caught by
/// `mcpguard run` with the real scanner, a real node server (tests/Fixtures/node/injection-server) and the
/// TypeScript SDK client, which also checks that a stripped structured result still fits the tool's output schema.
/// </summary>
public sealed class ToolResultScanTests
{
    private static readonly string[] Calls = ["lookup_order={\"id\":\"A1\"}", "read_doc"];

    private static string Server => NodeFixtures.Script("injection-server", "server.mjs");

    [Fact]
    public async Task StripPolicy_InjectedStructuredContentAndResourceText_Replaced()
    {
        _ = NodeFixtures.NodeModules;
        using var dir = new TempDirectory();
        var policy = dir.Write("policy.yaml", "servers:\n  shop:\n    toolResults: strip\n");
        var audit = Path.Combine(dir.Path, "audit.db");
        var result = await McpGuardCliTests.TsClientAsync(Calls,
            ["run", "--sandbox", "none", "--name", "shop", "--policy", policy, "--audit", audit, "--", "node", Server],
            new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "home") });

        var order = McpGuardCliTests.Call(result, "lookup_order");
        Assert.True((bool)order["ok"]!, order.ToJsonString());
        var notes = order["structured"]!["notes"]!.AsArray();
        Assert.Equal("Thanks for your order.", notes[0]!["text"]!.ToString());
        Assert.StartsWith("[McpGuard removed this output", notes[1]!["text"]!.ToString());
        Assert.Equal("shipped", order["structured"]!["status"]!.ToString());
        Assert.DoesNotContain("id_rsa", order.ToJsonString());

        var doc = McpGuardCliTests.Call(result, "read_doc");
        Assert.True((bool)doc["ok"]!, doc.ToJsonString());
        Assert.Empty(doc["resources"]!.AsArray());
        Assert.Contains("[McpGuard removed this output", doc["text"]!.ToString());
        Assert.DoesNotContain("id_rsa", doc.ToJsonString());

        var events = await McpGuardCliTests.AuditEventsAsync(audit);
        Assert.Contains(events, e => e["decision"]?.ToString() == "block" && e["reason"]!.ToString().StartsWith("structuredContent.notes[1].text:", StringComparison.Ordinal));
        Assert.Contains(events, e => e["decision"]?.ToString() == "block" && e["reason"]!.ToString().StartsWith("content[1]:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlagPolicy_InjectedStructuredContent_ForwardedUnchangedAndAlerted()
    {
        _ = NodeFixtures.NodeModules;
        using var dir = new TempDirectory();
        var audit = Path.Combine(dir.Path, "audit.db");
        var result = await McpGuardCliTests.TsClientAsync(Calls,
            ["run", "--sandbox", "none", "--name", "shop", "--audit", audit, "--", "node", Server],
            new Dictionary<string, string> { ["MCPGUARD_HOME"] = Path.Combine(dir.Path, "home") });

        var order = McpGuardCliTests.Call(result, "lookup_order");
        Assert.Contains("id_rsa", order["structured"]!["notes"]![1]!["text"]!.ToString());
        Assert.Contains("id_rsa", McpGuardCliTests.Call(result, "read_doc")["resources"]![0]!.ToString());

        var events = await McpGuardCliTests.AuditEventsAsync(audit);
        Assert.Contains(events, e => e["decision"]?.ToString() == "alert" && e["tool"]?.ToString() == "lookup_order" && e["ruleId"]?.ToString() == "MCPG507");
        Assert.Contains(events, e => e["decision"]?.ToString() == "alert" && e["tool"]?.ToString() == "read_doc");
    }
}
