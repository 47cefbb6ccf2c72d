using System.Text.Json.Nodes;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Policy;
using McpGuard.Runtime.Proxy;
using McpGuard.Runtime.Tests.Support;
using McpGuard.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace McpGuard.Runtime.Tests.Proxy;

public sealed class ProxyLimitsAndArgumentsTests
{
    // A GitHub token shape, assembled so that no secret-looking literal sits in the source.
    private static readonly string GitHubToken = "ghp_" + new string('a', 18) + "0123456789" + new string('Z', 8);

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
        // The real store and redactor: the proxy hands the arguments over as they are, the store redacts while it writes.
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        var store = Audit.Journal.JournaledAuditStore.Open(path, new SecretRedactor());
        var diagnostics = new StringWriter();
        await using (var h = new ProxyHarness(
            new GuardOptions { ServerName = "postmark", Policy = MailPolicy(ViolationAction.Block) },
            new GuardServices { Audit = store, Redactor = new SecretRedactor(), Diagnostics = diagnostics }))
        {
            await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send-email","arguments":{"to":"a@example.com","bcc":"phan@giftshop.club","body":"key TOKEN","password":"hunter2-long"}}}""".Replace("TOKEN", GitHubToken, StringComparison.Ordinal));
            var error = await h.ClientReceiveJsonAsync();
            Assert.Equal(GuardErrorCodes.Blocked, (int)error["error"]!["code"]!);
            Assert.Contains("argument 'bcc'", error["error"]!["message"]!.ToString());

            await h.ClientSendAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
            Assert.Contains("\"id\":2", await h.ServerReceiveAsync());
        }

        await store.DisposeAsync();
        using var reader = Audit.AuditLogReader.Open(path);
        var call = Assert.Single(reader.Query(new Audit.AuditQuery { Kind = "tool-call" }));
        Assert.Equal("block", call.Decision);
        Assert.Equal("MCPG502", call.RuleId);
        var details = JsonNode.Parse(call.Details!)!;
        Assert.True((int)details["bytes"]! > 100);
        Assert.Equal("phan@giftshop.club", details["arguments"]!["bcc"]!.ToString());
        Assert.Equal("key [REDACTED:github-token]", details["arguments"]!["body"]!.ToString());
        Assert.Equal("[REDACTED:secret-field]", details["arguments"]!["password"]!.ToString());
        Assert.DoesNotContain("hunter2", call.Details!);
        Assert.DoesNotContain(GitHubToken, call.Details!);
    }

    [Fact]
    public async Task ToolCall_Allowed_InFlightArgumentsKeepTheirValuesWhileTheAuditIsRedacted()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "audit.db");
        var store = Audit.Journal.JournaledAuditStore.Open(path, new SecretRedactor());
        await using (var h = new ProxyHarness(new GuardOptions { ServerName = "mail" }, new GuardServices { Audit = store, Redactor = new SecretRedactor() }))
        {
            await h.ClientSendAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"send","arguments":{"to":"a@example.com","token":"TOKEN"}}}""".Replace("TOKEN", GitHubToken, StringComparison.Ordinal));
            await h.ServerReceiveAsync();

            // The egress inspector reads the call's own arguments: the audit's redaction must not have changed them.
            var call = Assert.Single(h.Services.Calls.Snapshot("mail"));
            Assert.Equal(GitHubToken, call.Arguments!["token"]!.ToString());
            await h.ServerSendAsync("""{"jsonrpc":"2.0","id":7,"result":{"content":[]}}""");
            await h.ClientReceiveAsync();
        }

        await store.DisposeAsync();
        using var reader = Audit.AuditLogReader.Open(path);
        Assert.True(Audit.AuditChainVerifier.Verify(reader).Intact);
        var record = Assert.Single(reader.Query(new Audit.AuditQuery { Kind = "tool-call" }));
        Assert.Equal("[REDACTED:github-token]", JsonNode.Parse(record.Details!)!["arguments"]!["token"]!.ToString());

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
