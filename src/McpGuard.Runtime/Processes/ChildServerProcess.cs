using System.ComponentModel;
using System.Diagnostics;

namespace McpGuard.Runtime.Processes;

/// <summary>
/// A started server process (the server itself, or bwrap with the server inside) behind <see cref="IServerProcess"/>.
/// Stopping kills the whole tree: for bwrap that is enough, --die-with-parent and the PID namespace take the rest down.
/// </summary>
internal sealed class ChildServerProcess : IServerProcess
{
    private readonly Process _process;
    private readonly Task<int> _exited;

    public ChildServerProcess(Process process)
    {
        _process = process;
        ProcessId = process.Id;
        _exited = WaitAsync(process);
    }

    public int ProcessId { get; }
    public Stream StandardInput => _process.StandardInput.BaseStream;
    public Stream StandardOutput => _process.StandardOutput.BaseStream;
    public Stream StandardError => _process.StandardError.BaseStream;
    public Task<int> Exited => _exited;

    private static async Task<int> WaitAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // stdin already closed by the proxy or the process is gone.
        }

        try
        {
            await _exited.WaitAsync(grace, cancellationToken);
        }
        catch (TimeoutException)
        {
            Kill();
            await _exited.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // Already exited between the timeout and the kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.IsCompleted)
        {
            Kill();
            try
            {
                await _exited.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // Unkillable (zombie in D state): nothing more we can do; do not hang the CLI.
            }
        }

        _process.Dispose();
    }
}
