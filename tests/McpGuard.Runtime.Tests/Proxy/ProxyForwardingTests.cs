using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Proxy;
using McpGuard.Runtime.Tests.Support;

namespace McpGuard.Runtime.Tests.Proxy;

public sealed class ProxyForwardingTests
{
    [Fact]
    public async Task Forwarding_UninspectedFramesBothWays_AreByteExact()
    {
        await using var h = new ProxyHarness();
        // Odd spacing, key order and an unknown member: a re-serializing proxy would change all three.
        const string request = "{ \"method\" :\"ping\", \"x-extra\": [1.50, 12345678901234567890],\"id\":7,\"jsonrpc\":\"2.0\" }";
        await h.ClientSendAsync(request);
        Assert.Equal(request, await h.ServerReceiveAsync());

        const string response = "{\"result\":{\"n\":1.0e2,\"s\":\"\\u00e9\"},   \"id\":7,\"jsonrpc\":\"2.0\",\"z\":null}";
        await h.ServerSendAsync(response);
        Assert.Equal(response, await h.ClientReceiveAsync());
    }

    [Fact]
    public async Task Forwarding_ServerToClientRequestAndClientAnswer_Pass()
    {
        await using var h = new ProxyHarness();
        const string sampling = """{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}""";
        await h.ServerSendAsync(sampling);
        Assert.Equal(sampling, await h.ClientReceiveAsync());
        const string answer = """{"jsonrpc":"2.0","id":"s1","result":{"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"}}""";
        await h.ClientSendAsync(answer);
        Assert.Equal(answer, await h.ServerReceiveAsync());

        // Answering the same id twice: the second answer has nobody waiting and is dropped.
        await h.ClientSendAsync(answer);
        await h.ClientSendAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}""");
        Assert.Contains("notifications/cancelled", await h.ServerReceiveAsync());
        Assert.Contains(h.Audit.Events, e => e.Decision == "block" && e.RequestId == "s1");
    }

    [Fact]
    public async Task Forwarding_NotificationsAndProgress_PassInBothDirections()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", await h.ServerReceiveAsync());
        await h.ServerSendAsync("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1}}""");
        Assert.Contains("notifications/progress", await h.ClientReceiveAsync());
    }

    [Fact]
    public async Task Batch_FromClient_IsSplitAndEachElementJudged()
    {
        await using var h = new ProxyHarness(new GuardOptions { ServerName = "test", Policy = new() { DenyTools = ["danger"] } });
        await h.ClientSendAsync("""[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"danger"}}]""");
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", await h.ServerReceiveAsync());
        var error = await h.ClientReceiveJsonAsync();
        Assert.Equal(2, (int)error["id"]!);
        Assert.Equal(GuardErrorCodes.Blocked, (int)error["error"]!["code"]!);

        await h.ClientSendAsync("[]");
        Assert.Equal(GuardErrorCodes.InvalidRequest, (int)(await h.ClientReceiveJsonAsync())["error"]!["code"]!);
    }

    [Fact]
    public async Task Audit_EventIsAppended_BeforeTheMessageIsForwarded()
    {
        var gate = new GatedAuditSink();
        await using var h = new ProxyHarness(services: new GuardServices { Audit = gate, Redactor = new FakeRedactor() });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await gate.Appending.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        // While the append is pending, the server must not have the message yet.
        var received = h.ServerReceiveAsync();
        await Task.Yield();
        Assert.False(received.IsCompleted);
        gate.Release();
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", await received);
    }

    [Fact]
    public async Task Audit_PipelinedFrames_ShareOneCommitWait_AndNoneIsForwardedBeforeIt()
    {
        var sink = new ManualCommitSink();
        await using var h = new ProxyHarness(services: new GuardServices { Audit = sink, Redactor = new FakeRedactor() });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""" + "\n" + """{"jsonrpc":"2.0","method":"notifications/x"}""" + "\n"
            + """{"jsonrpc":"2.0","id":2,"method":"ping"}""");

        // All three events are queued without waiting for each other's commit (group commit)...
        await sink.WaitForAppendsAsync(3);
        var received = h.ServerReceiveAsync();
        await Task.WhenAny(received, Task.Delay(200, TestContext.Current.CancellationToken));
        Assert.False(received.IsCompleted, "a frame was forwarded before its audit event was committed");

        // ...and nothing leaves until every one of them is committed.
        sink.Commit(2);
        await Task.WhenAny(received, Task.Delay(200, TestContext.Current.CancellationToken));
        Assert.False(received.IsCompleted, "a frame was forwarded while an earlier event of its batch was uncommitted");
        sink.Commit(1);
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", await received);
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/x"}""", await h.ServerReceiveAsync());
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", await h.ServerReceiveAsync());
        sink.CommitFromNowOn();
    }

    [Fact]
    public async Task Audit_CommitFails_FrameIsNeverForwarded_NorAnyLaterOne()
    {
        var sink = new ManualCommitSink();
        var h = new ProxyHarness(services: new GuardServices { Audit = sink, Redactor = new FakeRedactor() });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await sink.WaitForAppendsAsync(1);
        sink.Fail(1);
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        await h.ClientCloseAsync();

        // The session ends on the audit failure; the server's stdin closes without a single forwarded frame.
        Assert.Null(await h.ServerReceiveAsync());
        await Assert.ThrowsAsync<Audit.AuditWriteException>(async () => await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Audit_CommitFailsForServerAnswer_ClientGetsNothing_AndServerIsStoppedNotWaitedFor()
    {
        var sink = new ManualCommitSink();
        var h = await PingForwardedAsync(sink);

        await h.Server.SendAsync("""{"jsonrpc":"2.0","id":1,"result":{}}""", TestContext.Current.CancellationToken);
        await sink.WaitForAppendsAsync(1);
        sink.Fail(1);

        await Assert.ThrowsAsync<Audit.AuditWriteException>(async () => await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.True(h.Server.Stopped);
        Assert.False(h.ClientHasUnreadOutput(), "the answer whose event failed reached the client");
    }

    [Fact]
    public async Task Audit_SinkFailsForGoodUnderAnotherWriter_SessionStopsAtOnce_WithoutAnotherMessage()
    {
        var sink = new ManualCommitSink();
        var h = await PingForwardedAsync(sink);

        // Another writer of the same store (the egress proxy) fails its write; neither peer sends anything more.
        var failure = new Audit.AuditWriteException("audit journal write to x.jnl failed: disk full");
        sink.FailForGood(failure);

        var thrown = await Assert.ThrowsAsync<Audit.AuditWriteException>(async () => await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        Assert.Same(failure, thrown);
        Assert.True(h.Server.Stopped);
        Assert.Null(await h.ServerReceiveAsync());
        Assert.False(h.ClientHasUnreadOutput(), "something reached the client after the store failed");
    }

    /// <summary>
    /// A session over <paramref name="sink"/> whose client's ping (id 1) reached the server, its event committed. A grace
    /// far longer than the tests wait: a session that fails must stop the server at once, not wait for it to exit.
    /// </summary>
    private static async Task<ProxyHarness> PingForwardedAsync(ManualCommitSink sink)
    {
        var options = new GuardOptions { ServerName = "test", Limits = GuardLimits.Default with { ShutdownGrace = TimeSpan.FromMinutes(10) } };
        var h = new ProxyHarness(options, new GuardServices { Audit = sink, Redactor = new FakeRedactor() });
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        await sink.WaitForAppendsAsync(1);
        sink.Commit(1);
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", await h.ServerReceiveAsync());
        return h;
    }

    /// <summary>An audit sink whose commits the test completes (or fails) by hand, in order.</summary>
    private sealed class ManualCommitSink : Audit.IAuditSink
    {
        private readonly TaskCompletionSource<Audit.AuditWriteException> _failedForGood = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<TaskCompletionSource> _pending = [];
        private readonly SemaphoreSlim _appended = new(0);
        private int _settled;
        private bool _auto;

        public ValueTask AppendAsync(Audit.AuditEvent auditEvent, CancellationToken cancellationToken = default)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_pending)
            {
                _pending.Add(done);
                if (_auto)
                {
                    Settle(_pending.Count - _settled, t => t.TrySetResult());
                }
            }

            _appended.Release();
            return new ValueTask(done.Task);
        }

        public async Task WaitForAppendsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _appended.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), "audit event not appended");
            }
        }

        public void Commit(int count) => Settle(count, t => t.TrySetResult());

        /// <summary>Commits what is pending and every later event at once (so the session can shut down).</summary>
        public void CommitFromNowOn()
        {
            lock (_pending)
            {
                _auto = true;
                Settle(_pending.Count - _settled, t => t.TrySetResult());
            }
        }

        public void Fail(int count) => Settle(count, t => t.TrySetException(new Audit.AuditWriteException("disk full")));

        public Task<Audit.AuditWriteException> FailedForGood => _failedForGood.Task;

        /// <summary>What the journaled store does when a write fails, whoever's append it was.</summary>
        public void FailForGood(Audit.AuditWriteException failure) => _failedForGood.TrySetResult(failure);

        private void Settle(int count, Action<TaskCompletionSource> settle)
        {
            lock (_pending)
            {
                for (var i = 0; i < count; i++)
                {
                    settle(_pending[_settled++]);
                }
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class GatedAuditSink : Audit.IAuditSink
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _appending = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Appending => _appending.Task;

        public void Release() => _release.TrySetResult();

        public async ValueTask AppendAsync(Audit.AuditEvent auditEvent, CancellationToken cancellationToken = default)
        {
            _appending.TrySetResult();
            await _release.Task;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ServerExit_RequestsInFlight_GetErrorsAndAuditHasExitCodeAndStderr()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow","arguments":{"key":"sk-test-SECRET"}}}""");
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":"two","method":"resources/read","params":{"uri":"x"}}""");
        await h.ServerReceiveAsync();
        await h.ServerReceiveAsync();
        await h.Server.WriteStderrAsync("boom: token sk-test-SECRET leaked\n", TestContext.Current.CancellationToken);
        await h.Server.CrashAsync(3);

        var errors = new[] { await h.ClientReceiveJsonAsync(), await h.ClientReceiveJsonAsync() };
        Assert.All(errors, e => Assert.Equal(GuardErrorCodes.ServerUnavailable, (int)e["error"]!["code"]!));
        Assert.Contains(errors, e => e["id"]!.ToString() == "two");
        Assert.Contains("code 3", errors[0]["error"]!["message"]!.ToString());
        Assert.Contains("exited", (await h.ClientReceiveJsonAsync())["params"]!["data"]!.ToString());

        var result = await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(SessionEnd.ServerExited, result.End);
        Assert.Equal(3, result.ServerExitCode);
        var process = Assert.Single(h.Audit.Events, e => e.Kind == "process");
        Assert.Equal(3, (int)process.Details!["exitCode"]!);
        Assert.Contains("boom", process.Details["stderrTail"]!.ToJsonString());
        Assert.DoesNotContain(h.Audit.Events, e => (e.Details?.ToJsonString() + e.Reason).Contains("sk-test-SECRET", StringComparison.Ordinal));
        Assert.Contains("boom", h.Diagnostics.ToString());
    }

    [Fact]
    public async Task ClientDisconnect_StopsServer_AndEndsSession()
    {
        await using var h = new ProxyHarness();
        await h.ClientCloseAsync();
        var result = await h.Session.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(SessionEnd.ClientDisconnected, result.End);
        Assert.True(h.Server.Stopped);
        Assert.Null(await h.ServerReceiveAsync());
    }

    [Fact]
    public async Task ToolCall_RegisteredInFlight_UntilItsResponse()
    {
        await using var h = new ProxyHarness();
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"send","arguments":{"to":"a@example.com"}}}""");
        await h.ServerReceiveAsync();
        var call = Assert.Single(h.Services.Calls.Snapshot("test"));
        Assert.Equal("send", call.Tool);
        Assert.Equal("a@example.com", call.Arguments!["to"]!.ToString());
        Assert.Null(call.Ended);

        await h.ServerSendAsync("""{"jsonrpc":"2.0","id":9,"result":{"content":[]}}""");
        await h.ClientReceiveAsync();
        Assert.NotNull(Assert.Single(h.Services.Calls.Snapshot("test")).Ended);
        Assert.Contains(h.Audit.Events, e => e.Kind == "tool-call" && e.Arguments!.Value.GetProperty("to").GetString() == "a@example.com");
    }

    [Fact]
    public async Task Forwarding_LargeFrameSpanningSegments_IsByteExact()
    {
        await using var h = new ProxyHarness();
        var big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"text\":\"" + new string('x', 3_000_000) + "\"}}";
        await h.ClientSendAsync("""{"jsonrpc":"2.0","id":1,"method":"resources/read"}""");
        await h.ServerReceiveAsync();
        await h.ServerSendAsync(big);
        Assert.Equal(big, await h.ClientReceiveAsync());
        Assert.Equal(Encoding.UTF8.GetByteCount(big), h.Audit.Events.Last(e => e.RequestId == "1").Bytes);
    }
}
