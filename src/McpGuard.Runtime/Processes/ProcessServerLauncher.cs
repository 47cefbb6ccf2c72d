using System.ComponentModel;
using System.Diagnostics;

namespace McpGuard.Runtime.Processes;

/// <summary>
/// Starts a server as a plain child process (--sandbox none): no confinement, but an explicit environment
/// (nothing inherited) and the whole process tree killed on stop. The bubblewrap launcher replaces it when
/// confinement is available.
/// </summary>
public sealed class ProcessServerLauncher : IServerLauncher
{
    public Task<IServerProcess> StartAsync(ServerLaunchSpec spec, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(spec.Command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Nothing is inherited: the caller's secrets (API keys, cloud credentials) stay out unless passed by name.
        startInfo.Environment.Clear();
        foreach (var (name, value) in spec.Environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new ServerStartException($"cannot start '{spec.Command}': {ex.Message}", ex);
        }

        return Task.FromResult<IServerProcess>(new ChildServerProcess(process));
    }

    private sealed class ChildServerProcess : IServerProcess
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
}

/// <summary>The server process could not be started (command not found, not executable).</summary>
public sealed class ServerStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The environment a server gets: a few basics the runtime needs (PATH to find node, HOME, locale, temp) plus
/// the variables named by --pass-env. Everything else (tokens, cloud credentials) stays with the user.
/// </summary>
public static class ServerEnvironment
{
    public static IReadOnlyList<string> Basics { get; } =
        ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"];

    public static IReadOnlyDictionary<string, string> Build(Func<string, string?> getVariable, IEnumerable<string> passEnv)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Basics.Concat(passEnv))
        {
            if (getVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        return environment;
    }
}
