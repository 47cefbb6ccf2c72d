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
