using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Processes;
using McpGuard.TestSupport;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// The postmark-mcp fixtures (honest 1.0.15, backdoored 1.0.16) run inside a real bubblewrap sandbox, answer MCP
/// over stdio, and their sendEmail reaches the (fake, local) Postmark API only through the relay and the proxy.
/// The sandbox does not judge content: the egress proxy's recipient rule does (another area); here the backdoored
/// request is shown to arrive with the hidden Bcc, which is exactly what that rule must block.
/// </summary>
public sealed class SandboxEmailServerTests
{
    private const string HiddenRecipient = "phan@giftshop.club";

    private static ServerLaunchSpec FixtureSpec(string variant, SandboxTestEgressRig? rig)
    {
        var folder = Path.Combine(RepoPaths.EmailServer, variant);
        return new ServerLaunchSpec
        {
            Command = "node",
            Arguments = [Path.Combine(folder, "index.js")],
            WorkingDirectory = folder,
            Environment = new Dictionary<string, string> { ["POSTMARK_SERVER_TOKEN"] = "placeholder-token-for-tests" },
            ReadOnlyPaths = [folder, RepoPaths.EmailServerNodeModules],
            EgressSocketPath = rig?.Proxy.SocketPath,
            TrustBundlePath = rig?.TrustBundle,
        };
    }

    [Theory]
    [InlineData("honest", "1.0.15")]
    [InlineData("backdoored", "1.0.16")]
    public async Task EmailFixture_InsideSandbox_ListsToolsAndSendsOnlyThroughRelay(string variant, string version)
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        await using var rig = await SandboxTestEgressRig.StartAsync();
        await using var session = await SandboxMcpSession.StartAsync(launcher, FixtureSpec(variant, rig));

        var init = await session.InitializeAsync();
        Assert.Equal(version, init["serverInfo"]!["version"]!.GetValue<string>());
        var tools = await session.RequestAsync("tools/list", new JsonObject());
        Assert.Contains(tools["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "sendEmail");

        var call = await session.RequestAsync("tools/call", new JsonObject
        {
            ["name"] = "sendEmail",
            ["arguments"] = new JsonObject { ["to"] = "alice@example.test", ["subject"] = "Invoice", ["textBody"] = "Hello Alice" },
        });

        var text = call["content"]![0]!["text"]!.GetValue<string>();
        Assert.True(call["isError"]?.GetValue<bool>() != true, text + " / stderr: " + session.StandardErrorSoFar);
        Assert.StartsWith("Email sent successfully", text, StringComparison.Ordinal);
        var sent = Assert.Single(rig.Server.Requests, r => r.Path == "/email");
        Assert.Equal("api.postmarkapp.com", sent.Host);
        var payload = JsonNode.Parse(sent.Body)!;
        Assert.Equal("alice@example.test", payload["To"]!.GetValue<string>());
        Assert.Contains("CONNECT api.postmarkapp.com:443", rig.Proxy.Requests);
        if (variant == "backdoored")
        {
            Assert.Equal(HiddenRecipient, payload["Bcc"]!.GetValue<string>());
        }
        else
        {
            Assert.DoesNotContain(HiddenRecipient, sent.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EmailFixture_InsideSandboxWithoutEgress_CannotSend()
    {
        SandboxTestEnvironment.RequireNodeFixtures();
        var launcher = await SandboxTestEnvironment.RequireLauncherAsync();
        var spec = FixtureSpec("backdoored", rig: null) with
        {
            // Even told to use a loopback API directly, there is nothing listening inside the sandbox's own network.
            Environment = new Dictionary<string, string> { ["POSTMARK_SERVER_TOKEN"] = "placeholder", ["POSTMARK_API_HOST"] = "127.0.0.1:9" },
        };
        await using var session = await SandboxMcpSession.StartAsync(launcher, spec);
        await session.InitializeAsync();

        var call = await session.RequestAsync("tools/call", new JsonObject
        {
            ["name"] = "sendEmail",
            ["arguments"] = new JsonObject { ["to"] = "alice@example.test", ["subject"] = "s", ["textBody"] = "b" },
        });

        Assert.True(call["isError"]!.GetValue<bool>());
        Assert.StartsWith("Failed to send email", call["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>A minimal line-delimited JSON-RPC client over a launched server's stdio (what an MCP client does).</summary>
internal sealed class SandboxMcpSession : IAsyncDisposable
{
    private readonly IServerProcess _process;
    private readonly StreamReader _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;
    private int _nextId;

    private SandboxMcpSession(IServerProcess process)
    {
        _process = process;
        _stdout = new StreamReader(process.StandardOutput, Encoding.UTF8);
        _stderrPump = PumpStderrAsync(new StreamReader(process.StandardError, Encoding.UTF8));
    }

    public string StandardErrorSoFar
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<SandboxMcpSession> StartAsync(IServerLauncher launcher, ServerLaunchSpec spec) =>
        new(await launcher.StartAsync(spec, TestContext.Current.CancellationToken));

    public async Task<JsonObject> InitializeAsync()
    {
        var result = await RequestAsync("initialize", new JsonObject
        {
            ["protocolVersion"] = "2025-06-18",
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "mcpguard-tests", ["version"] = "1" },
        });
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        return result;
    }

    public async Task<JsonObject> RequestAsync(string method, JsonObject @params)
    {
        var id = ++_nextId;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = @params });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await _stdout.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"server closed stdout waiting for {method}; stderr: {StandardErrorSoFar}");
            var message = JsonNode.Parse(line)!.AsObject();
            if (message["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            return message["result"]?.AsObject()
                ?? throw new InvalidOperationException($"{method} failed: {message["error"]?.ToJsonString()}");
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString(JsonSerializerOptions.Default) + "\n");
        await _process.StandardInput.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
    }

    private async Task PumpStderrAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, read);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await _stderrPump.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await _process.DisposeAsync();
    }
}
