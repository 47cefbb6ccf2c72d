using System.IO.Pipelines;
using System.Text;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Tests.Support;

/// <summary>An in-memory "server": the test reads what the proxy sends it and writes what it answers, line by line.</summary>
internal sealed class FakeServerProcess : IServerProcess
{
    private readonly Pipe _stdin = new();
    private readonly Pipe _stdout = new();
    private readonly Pipe _stderr = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamReader _received;

    public FakeServerProcess()
    {
        _received = new StreamReader(_stdin.Reader.AsStream(), Encoding.UTF8);
    }

    public int ProcessId => 4242;
    public Stream StandardInput => _stdin.Writer.AsStream();
    public Stream StandardOutput => _stdout.Reader.AsStream();
    public Stream StandardError => _stderr.Reader.AsStream();
    public Task<int> Exited => _exited.Task;
    public bool Stopped { get; private set; }

    /// <summary>Next line the proxy forwarded to the server, or null when the proxy closed the server's stdin.</summary>
    public async Task<string?> ReceiveAsync(CancellationToken ct) =>
        await _received.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct);

    public async Task SendAsync(string line, CancellationToken ct) => await SendRawAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);

    public async Task SendRawAsync(byte[] bytes, CancellationToken ct)
    {
        await _stdout.Writer.WriteAsync(bytes, ct);
    }

    public async Task WriteStderrAsync(string text, CancellationToken ct) => await _stderr.Writer.WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    /// <summary>Simulates the server dying: stdout and stderr close, the process exits with <paramref name="code"/>.</summary>
    public async Task CrashAsync(int code)
    {
        await _stdout.Writer.CompleteAsync();
        await _stderr.Writer.CompleteAsync();
        _exited.TrySetResult(code);
    }

    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        Stopped = true;
        await CrashAsync(0);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
