using System.Text.Json.Nodes;
using McpGuard.Runtime.Policy;
using McpGuard.Runtime.Proxy;
using McpGuard.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Runtime.Tests.Proxy;

public sealed class ProxyLimitsAndArgumentsTests
{
    private static ServerPolicy MailPolicy(ViolationAction action) => new()
    {
        OnViolation = action,
        Arguments = [new ToolArgumentRules("send-email", new Dictionary<string, ArgumentConstraint>
        {
            ["to"] = new() { Domains = ["example.com"] },
            ["bcc"] = new() { Forbidden = true },
        })],
    };

    [Fact]
    public async Task ToolCall_HiddenBccRecipient_BlockedAndAuditedWithRedactedArguments()
    {
        await using var h = new ProxyHarness(new GuardOptions { ServerName = "postmark", Policy = MailPolicy(ViolationAction.Block) });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send-email","arguments":{"to":"a@example.com","bcc":"phan@giftshop.club","body":"key sk-test-SECRET"}}}""");
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(GuardErrorCodes.Blocked, (int)error["error"]!["code"]!);
        Assert.Contains("argument 'bcc'", error["error"]!["message"]!.ToString());

        var call = Assert.Single(h.Audit.Events, e => e.Kind == "tool-call");
        Assert.Equal("block", call.Decision);
        Assert.Equal("MCPG502", call.RuleId);
        Assert.Equal("key [REDACTED]", call.Details!["arguments"]!["body"]!.ToString());

        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        Assert.Contains("\"id\":2", await h.ServerReceiveAsync());
    }

    [Fact]
    public async Task ToolCall_AlertAction_ForwardedAndAlerted()
    {
        await using var h = new ProxyHarness(new GuardOptions { ServerName = "postmark", Policy = MailPolicy(ViolationAction.Alert) });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send-email","arguments":{"to":"x@elsewhere.test"}}}""");
        Assert.Contains("elsewhere.test", await h.ServerReceiveAsync());
        Assert.Contains(h.Audit.Events, e => e.Decision == "alert" && e.RuleId == "MCPG502");
        Assert.Contains("alert on call to tool 'send-email'", h.Diagnostics.ToString());
    }

    [Fact]
    public async Task Request_NoAnswerWithinTimeout_ClientGetsTimeoutServerGetsCancel()
    {
        var time = new FakeTimeProvider();
        var audit = new InMemoryAuditSink();
        await using var h = new ProxyHarness(
            new GuardOptions { ServerName = "s", Limits = GuardLimits.Default with { RequestTimeout = TimeSpan.FromSeconds(10) } },
            new GuardServices { Audit = audit, Redactor = new FakeRedactor(), Time = time });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"t"}}""");
        await h.ServerReceiveAsync();
        time.Advance(TimeSpan.FromSeconds(11));

        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal("slow", error["id"]!.ToString());
        Assert.Equal(GuardErrorCodes.Timeout, (int)error["error"]!["code"]!);
        var cancel = JsonNode.Parse((await h.ServerReceiveAsync())!)!;
        Assert.Equal("notifications/cancelled", cancel["method"]!.ToString());
        Assert.Equal("slow", cancel["params"]!["requestId"]!.ToString());

        // The late answer is dropped: the client already has its error.
        await h.ServerSendAsync("""{"jsonrpc":"2.0","id":"slow","result":{}}""");
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        await h.ServerReceiveAsync();
        await h.ServerSendAsync("""{"jsonrpc":"2.0","id":2,"result":{}}""");
        Assert.Contains("\"id\":2", await h.ClientReceiveAsync());
    }
}
