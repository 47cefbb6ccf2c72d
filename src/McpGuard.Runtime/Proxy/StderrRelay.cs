using System.Text;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Passes the server's stderr through to ours (it is the server's log; users expect to see it) and keeps the last
/// lines for the audit log when the server dies. Lines are capped so a hostile server cannot grow our memory.
/// </summary>
internal sealed class StderrRelay(Stream source, TextWriter destination, int tailLines)
{
    private const int MaxLineChars = 1000;
    private readonly Queue<string> _tail = new();
    private readonly StringBuilder _line = new();
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Tail
    {
        get
        {
            lock (_gate)
            {
                return _line.Length > 0 ? [.. _tail, _line.ToString()] : [.. _tail];
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(source, Encoding.UTF8);
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await destination.FlushAsync(cancellationToken);
                Collect(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The server is gone or we are shutting down; what was collected stays available.
        }
    }

    private void Collect(ReadOnlySpan<char> chunk)
    {
        lock (_gate)
        {
            foreach (var c in chunk)
            {
                if (c == '\n')
                {
                    _tail.Enqueue(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                    while (_tail.Count > tailLines)
                    {
                        _tail.Dequeue();
                    }
                }
                else if (_line.Length < MaxLineChars)
                {
                    _line.Append(c);
                }
            }
        }
    }
}
