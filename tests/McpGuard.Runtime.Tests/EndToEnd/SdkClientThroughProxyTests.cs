using System.IO.Pipelines;
using System.Text.Json;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Proxy;
using McpGuard.Runtime.Tests.Support;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpGuard.Runtime.Tests.EndToEnd;

/// <summary>The official C# SDK client talks to real node servers through the proxy (in-process, over pipes).</summary>
public sealed class SdkClientThroughProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(Client Client, Task<SessionResult> Session, InMemoryAuditSink Audit)> StartAsync(GuardOptions options, params string[] command)
    {
        var launcher = new ProcessServerLauncher();
        var server = await launcher.StartAsync(new ServerLaunchSpec
        {
            Command = "node",
            Arguments = command,
            Environment = ServerEnvironment.Build(Environment.GetEnvironmentVariable, []),
        }, Ct);
        var toProxy = new Pipe();
        var fromProxy = new Pipe();
        var audit = new InMemoryAuditSink();
        var session = GuardProxy.RunAsync(options, new GuardServices { Audit = audit, Redactor = new McpGuard.Core.Secrets.SecretRedactor() },
            toProxy.Reader.AsStream(), fromProxy.Writer.AsStream(), server, Ct);
        var transport = new StreamClientTransport(toProxy.Writer.AsStream(), fromProxy.Reader.AsStream());
        var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "sampled" }],
                    Model = "test",
                    Role = Role.Assistant,
                }),
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult { Action = "decline" }),
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [] }),
            },
        }, cancellationToken: Ct);
        return (new Client(client, toProxy), session, audit);
    }

    /// <summary>The SDK client plus the pipe it writes to: closing that pipe is the client disconnecting.</summary>
    private sealed class Client(McpClient inner, Pipe toProxy) : IAsyncDisposable
    {
        public McpClient Inner => inner;

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await toProxy.Writer.CompleteAsync();
        }
    }

    /// <summary>Valid arguments from a tool's input schema: required properties get a value of their type.</summary>
    private static Dictionary<string, object?> ArgumentsFor(string tool, JsonElement schema)
    {
        var args = new Dictionary<string, object?>();
        if (!schema.TryGetProperty("properties", out var properties))
        {
            return args;
        }

        foreach (var p in properties.EnumerateObject())
        {
            var type = p.Value.TryGetProperty("type", out var t) ? t.GetString() : "string";
            args[p.Name] = p.Value.TryGetProperty("enum", out var e) ? e[0].GetString()
                : type switch
                {
                    "number" or "integer" => p.Name is "duration" ? 0.2 : p.Name is "steps" ? 2 : 1,
                    "boolean" => false,
                    "array" => Array.Empty<object>(),
                    "object" => new Dictionary<string, object>(),
                    _ => p.Name switch
                    {
                        // No network in tests: the gzip tool accepts data: URIs.
                        "data" => "data:text/plain;base64,aGVsbG8=",
                        "name" => "hello.gz",
                        _ => "hello",
                    },
                };
        }

        return args;
    }

    [Fact]
    public async Task Everything_EveryToolThroughProxy_Answers()
    {
        var (guarded, session, audit) = await StartAsync(new GuardOptions { ServerName = "everything" }, NodeFixtures.Everything, "stdio");
        await using (guarded)
        {
            var client = guarded.Inner;
            // Conditional tools (sampling, elicitation, roots) register after initialization: wait for them.
            IList<McpClientTool> tools = [];
            for (var attempt = 0; attempt < 50; attempt++)
            {
                tools = await client.ListToolsAsync(cancellationToken: Ct);
                if (tools.Any(t => t.Name == "trigger-sampling-request"))
                {
                    break;
                }

                await Task.Delay(100, Ct);
            }

            Assert.True(tools.Count >= 13, "tools: " + string.Join(", ", tools.Select(t => t.Name)));
            var failures = new List<string>();
            foreach (var tool in tools)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                try
                {
                    var result = await client.CallToolAsync(tool.Name, ArgumentsFor(tool.Name, tool.ProtocolTool.InputSchema), cancellationToken: timeout.Token);
                    Assert.NotNull(result);
                }
                catch (McpProtocolException ex) when (ex.ErrorCode is not (McpErrorCode)GuardErrorCodes.Blocked and not (McpErrorCode)GuardErrorCodes.ServerUnavailable
                    and not (McpErrorCode)GuardErrorCodes.InvalidRequest and not (McpErrorCode)GuardErrorCodes.ParseError)
                {
                    // A protocol error from the server itself (e.g. it needs a client feature the SDK lacks): still an answer.
                    failures.Add($"{tool.Name}: server said {ex.Message}");
                }
                catch (InvalidOperationException ex) when (ex.Message.Contains("TypeInfoResolver", StringComparison.Ordinal))
                {
                    // ModelContextProtocol.Core 2.4.0 client fails to deserialize some content blocks (resource links)
                    // after they arrived intact: a client-side SDK limitation, not a proxy failure.
                    failures.Add($"{tool.Name}: C# SDK could not read the result ({ex.Message})");
                }
            }

            var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "through mcpguard" }, cancellationToken: Ct);
            Assert.Contains("through mcpguard", ((TextContentBlock)echo.Content[0]).Text);
            // Seen: only get-annotated-message, whose annotated content the SDK client cannot deserialize.
            Assert.All(failures, f => Assert.Contains("C# SDK could not read", f));
        }

        var result2 = await session.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(SessionEnd.ClientDisconnected, result2.End);
        Assert.Contains(audit.Events, e => e.Kind == "tool-call" && e.Tool == "echo");
        Assert.DoesNotContain(audit.Events, e => e.RuleId == "MCPG506");
    }

    [Fact]
    public async Task Everything_DeniedTool_HiddenAndRefusedWithClearError()
    {
        var (guarded, session, _) = await StartAsync(new GuardOptions { ServerName = "everything", Policy = new() { DenyTools = ["get-env"] } }, NodeFixtures.Everything, "stdio");
        await using (guarded)
        {
            var client = guarded.Inner;
            var tools = await client.ListToolsAsync(cancellationToken: Ct);
            Assert.DoesNotContain(tools, t => t.Name == "get-env");
            Assert.Contains(tools, t => t.Name == "echo");
            var ex = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("get-env", cancellationToken: Ct));
            Assert.Equal((McpErrorCode)GuardErrorCodes.Blocked, ex.ErrorCode);
            Assert.Contains("policy does not allow the tool 'get-env'", ex.Message);
        }

        await session.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task Filesystem_ReadFileThroughProxy_Works()
    {
        using var dir = new McpGuard.TestSupport.TempDirectory();
        var file = dir.Write("hello.txt", "hello from the filesystem server");
        var (guarded, session, _) = await StartAsync(new GuardOptions { ServerName = "fs" }, NodeFixtures.Filesystem, dir.Path);
        await using (guarded)
        {
            var client = guarded.Inner;
            var tools = await client.ListToolsAsync(cancellationToken: Ct);
            var read = tools.First(t => t.Name is "read_text_file" or "read_file");
            var result = await client.CallToolAsync(read.Name, new Dictionary<string, object?> { ["path"] = file }, cancellationToken: Ct);
            Assert.Contains("hello from the filesystem server", string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text)));
        }

        await session.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }
}
