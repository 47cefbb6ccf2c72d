using System.Diagnostics;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>A bwrap process (and through it the sandboxed server) with its raw stdio streams.</summary>
internal sealed class SandboxedServerProcess : IServerProcess
{
    private readonly Process _process;

    public SandboxedServerProcess(Process process)
    {
        _process = process;
        ProcessId = process.Id;
        Exited = WaitForExitAsync(process);
    }

    public int ProcessId { get; }

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardError => _process.StandardError.BaseStream;

    public Task<int> Exited { get; }

    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The server already closed its end; go on to waiting and killing.
        }

        try
        {
            await Exited.WaitAsync(grace, cancellationToken);
        }
        catch (TimeoutException)
        {
            Kill();
            await Exited.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Exited.IsCompleted)
        {
            Kill();
            // Bounded: a process stuck in uninterruptible sleep must not hang shutdown.
            await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5)));
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            // Killing bwrap's tree is enough: --die-with-parent and the PID namespace take everything inside down.
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task<int> WaitForExitAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
