using McpGuard.Runtime.Tests.Support;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using McpGuard.Runtime.Proxy;

namespace McpGuard.Runtime.Tests.Support;

/// <summary>A proxy session over in-memory pipes: the test plays the client and the server, line by line.</summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    private readonly Pipe _clientToProxy = new();
    private readonly Pipe _proxyToClient = new();
    private readonly StreamReader _clientReceived;

    public ProxyHarness(GuardOptions? options = null, GuardServices? services = null)
    {
        Server = new FakeServerProcess();
        Audit = new InMemoryAuditSink();
        Services = services ?? new GuardServices { Audit = Audit, Redactor = new FakeRedactor(), Diagnostics = Diagnostics };
        _clientReceived = new StreamReader(_proxyToClient.Reader.AsStream(), Encoding.UTF8);
        Session = GuardProxy.RunAsync(
            options ?? new GuardOptions { ServerName = "test" },
            Services,
            _clientToProxy.Reader.AsStream(),
            _proxyToClient.Writer.AsStream(),
            Server,
            TestContext.Current.CancellationToken);
    }

    public FakeServerProcess Server { get; }
    public InMemoryAuditSink Audit { get; }
    public GuardServices Services { get; }
    public StringWriter Diagnostics { get; } = new();
    public Task<SessionResult> Session { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task ClientSendAsync(string line) => await ClientSendRawAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task ClientSendRawAsync(byte[] bytes) => await _clientToProxy.Writer.WriteAsync(bytes, Ct);

    public async Task ClientCloseAsync() => await _clientToProxy.Writer.CompleteAsync();

    /// <summary>Next line the client got, or null when the proxy closed its output.</summary>
    public async Task<string?> ClientReceiveAsync() =>
        await _clientReceived.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);

    /// <summary>Whether the proxy wrote anything to the client that the test has not read (definitive once the session ended).</summary>
    public bool ClientHasUnreadOutput()
    {
        if (!_proxyToClient.Reader.TryRead(out var read))
        {
            return false;
        }

        _proxyToClient.Reader.AdvanceTo(read.Buffer.Start);
        return !read.Buffer.IsEmpty;
    }

    public async Task<JsonObject> ClientReceiveJsonAsync() =>
        JsonNode.Parse(await ClientReceiveAsync() ?? throw new InvalidOperationException("client output closed"))!.AsObject();

    public async Task<string?> ServerReceiveAsync() => await Server.ReceiveAsync(Ct);

    public async Task ServerSendAsync(string line) => await Server.SendAsync(line, Ct);

    public async ValueTask DisposeAsync()
    {
        await _clientToProxy.Writer.CompleteAsync();
        if (!Session.IsCompleted)
        {
            await Server.CrashAsync(0);
        }

        await Session.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
