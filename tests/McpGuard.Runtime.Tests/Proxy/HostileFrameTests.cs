using System.Text;
using McpGuard.Runtime.Proxy;
using McpGuard.Runtime.Tests.Support;

namespace McpGuard.Runtime.Tests.Proxy;

/// <summary>Malformed and hostile frames from either side: answered or dropped, never forwarded, never a hang.</summary>
public sealed class HostileFrameTests
{
    private static GuardOptions Small(int maxFrame = 4096, int maxInFlight = 256) =>
        new() { ServerName = "test", Limits = GuardLimits.Default with { MaxFrameBytes = maxFrame, MaxRequestsInFlight = maxInFlight } };

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","name":"get-env"}}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"ping","method":"tools/call"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"id":6,"method":"ping"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"ping","params":{"a":""", -32700)]
    [InlineData("""{"jsonrpc":"1.0","id":5,"method":"ping"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"ping"} {"x":1}""", -32700)]
    public async Task ClientFrame_Malformed_ErrorWithIdAndNotForwarded(string frame, int code)
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync(frame);
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(5, (int)error["id"]!);
        Assert.Equal(code, (int)error["error"]!["code"]!);

        // The next good frame is the first thing the server sees.
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":6,"method":"ping"}""");
        Assert.Equal("""{"jsonrpc":"2.0","id":6,"method":"ping"}""", await h.ServerReceiveAsync());
        Assert.Contains(h.Audit.Events, e => e.RuleId == "MCPG506");
    }

    [Fact]
    public async Task ClientFrame_InvalidUtf8_ParseErrorWithRecoveredId()
    {
        await using var h = new ProxyHarness();
        var bytes = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"params\":{\"s\":\"X\"}}\n");
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xC3; // lead byte without its continuation
        await h.ClientSendRawAsync(bytes);
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(8, (int)error["id"]!);
        Assert.Equal(GuardErrorCodes.ParseError, (int)error["error"]!["code"]!);
    }

    [Fact]
    public async Task ClientFrame_GarbageWithoutId_ErrorWithNullId()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("this is not json");
        var error = await h.ClientReceiveJsonAsync();
        Assert.Null(error["id"]);
        Assert.Equal(GuardErrorCodes.ParseError, (int)error["error"]!["code"]!);
    }

    [Fact]
    public async Task ClientFrame_Oversize_RejectedAndStreamResynchronises()
    {
        await using var h = new ProxyHarness(Small());
        await h.ClientSendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"arguments\":{\"a\":\"" + new string('a', 100_000) + "\"}}}");
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(1, (int)error["id"]!);
        Assert.Contains("larger than 4096", error["error"]!["message"]!.ToString());
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", await h.ServerReceiveAsync());
    }

    [Fact]
    public async Task ServerFrame_OversizeAnswer_ClientGetsErrorForThatRequest()
    {
        await using var h = new ProxyHarness(Small());
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"resources/read"}""");
        await h.ServerReceiveAsync();
        await h.ServerSendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"t\":\"" + new string('z', 50_000) + "\"}}");
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(1, (int)error["id"]!);
        Assert.Equal(GuardErrorCodes.ServerUnavailable, (int)error["error"]!["code"]!);
    }

    [Fact]
    public async Task ServerFrame_UnknownIdOrDuplicateKeysInToolsList_NeverForwarded()
    {
        await using var h = new ProxyHarness();
        await h.ServerSendAsync("""{"jsonrpc":"2.0","id":99,"result":{}}""");
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        await h.ServerReceiveAsync();
        await h.ServerSendAsync("""{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a","name":"b","inputSchema":{}}]}}""");
        var first = await h.ClientReceiveJsonAsync();
        Assert.Equal(1, (int)first["id"]!);
        Assert.NotNull(first["error"]);
        Assert.Contains(h.Audit.Events, e => e.RequestId == "99" && e.Decision == "block");
    }

    [Fact]
    public async Task ServerFrame_TruncatedAtExit_DoesNotHang()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await h.ServerReceiveAsync();
        await h.Server.SendRawAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"res"), TestContext.Current.CancellationToken);
        await h.Server.CrashAsync(137);
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(1, (int)error["id"]!);
        var result = await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(137, result.ServerExitCode);
    }

    [Fact]
    public async Task ClientFlood_MoreRequestsThanAllowed_ExtraOnesRefused()
    {
        await using var h = new ProxyHarness(Small(maxInFlight: 4));
        var sb = new StringBuilder();
        for (var i = 1; i <= 10; i++)
        {
            sb.Append("{\"jsonrpc\":\"2.0\",\"id\":").Append(i).Append(",\"method\":\"ping\"}\n");
        }

        await h.ClientSendRawAsync(Encoding.UTF8.GetBytes(sb.ToString()));
        for (var i = 1; i <= 4; i++)
        {
            Assert.Contains($"\"id\":{i},", await h.ServerReceiveAsync());
        }

        for (var i = 5; i <= 10; i++)
        {
            var error = await h.ClientReceiveJsonAsync();
            Assert.Equal(i, (int)error["id"]!);
            Assert.Equal(GuardErrorCodes.TooManyRequests, (int)error["error"]!["code"]!);
        }
    }

    [Fact]
    public async Task ClientFlood_DuplicateIdInFlight_Refused()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await h.ServerReceiveAsync();
        Assert.Equal(GuardErrorCodes.InvalidRequest, (int)(await h.ClientReceiveJsonAsync())["error"]!["code"]!);
    }

    [Fact]
    public async Task ServerFlood_ManyNotifications_AllDeliveredInOrder()
    {
        await using var h = new ProxyHarness();
        const int count = 20_000;
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await h.ServerSendAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":" + i + "}}");
            }
        }, TestContext.Current.CancellationToken);
        for (var i = 0; i < count; i++)
        {
            Assert.EndsWith(":" + i + "}}", await h.ClientReceiveAsync());
        }

        await sender;
    }

    [Fact]
    public async Task ClientFlood_GarbageLines_EachAnsweredNoCrash()
    {
        await using var h = new ProxyHarness();
        var garbage = string.Concat(Enumerable.Repeat("{\"broken\n", 2000));
        await h.ClientSendRawAsync(Encoding.UTF8.GetBytes(garbage));
        for (var i = 0; i < 2000; i++)
        {
            Assert.Contains("error", await h.ClientReceiveAsync());
        }

        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", await h.ServerReceiveAsync());
    }
}
