using System.Diagnostics;

namespace McpGuard.TestSupport;

/// <summary>Runs a real program to completion with stdin closed and captures its output, as a shell would.</summary>
public static class ProcessRunner
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(
        string file, IEnumerable<string> args, IDictionary<string, string>? env, string? cwd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (cwd is not null)
        {
            psi.WorkingDirectory = cwd;
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
