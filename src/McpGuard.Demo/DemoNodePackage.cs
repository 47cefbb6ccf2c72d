using System.Diagnostics;
using McpGuard.Core;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Demo;

/// <summary>
/// Installs the demo's email servers with their npm dependencies once per asset version into
/// <c>&lt;data&gt;/demo/&lt;hash&gt;/</c> (<c>npm ci --ignore-scripts</c>: no package's install script ever runs), and
/// reuses that install afterwards. The install happens in a staging folder that is renamed into place when
/// complete, so an interrupted or concurrent first run never leaves a half-installed folder behind.
/// </summary>
public static class DemoNodePackage
{
    /// <summary>5 min: a cold npm ci of ~100 small packages takes seconds; this only bounds a hung registry.</summary>
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(5);

    /// <summary>npm writes this hidden lock last; its presence means the install finished.</summary>
    private const string InstalledMarker = "node_modules/.package-lock.json";

    /// <summary>The install folder for the current assets under <paramref name="dataDirectory"/>.</summary>
    public static string FolderFor(string dataDirectory) => Path.Combine(dataDirectory, "demo", DemoAssets.Hash);

    public static bool IsInstalled(string folder) => File.Exists(Path.Combine(folder, InstalledMarker));

    /// <summary>
    /// Returns the install folder (holding honest/, backdoored/ and node_modules/), installing it first if needed.
    /// </summary>
    /// <exception cref="UserInputException">node or npm is missing, or npm ci failed (registry unreachable...).</exception>
    public static async Task<string> EnsureInstalledAsync(string dataDirectory, TextWriter status, CancellationToken cancellationToken = default)
    {
        var folder = FolderFor(dataDirectory);
        if (IsInstalled(folder))
        {
            // Rewrites a script that was edited by hand: the demo must run exactly the bundled servers.
            DemoAssets.WriteTo(folder);
            return folder;
        }

        var npm = ExecutableLocator.Find("npm") ?? throw new UserInputException(
            "npm was not found on PATH; the demo's email servers are Node.js programs. Install Node.js 18 or newer with npm " +
            "(Debian/Ubuntu: apt-get install nodejs npm; or https://nodejs.org), then run mcpguard demo again.");

        DataDirectory.CreatePrivate(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        var staging = $"{folder}.staging-{Guid.NewGuid():N}"[..(folder.Length + 17)];
        try
        {
            DemoAssets.WriteTo(staging);
            await status.WriteLineAsync($"Installing the demo's npm dependencies (first run only: @modelcontextprotocol/sdk, postmark, zod) into {folder} ...");
            await RunNpmCiAsync(npm, staging, status, cancellationToken);
            if (!IsInstalled(staging))
            {
                throw new UserInputException($"npm ci finished but {Path.Combine(staging, InstalledMarker)} is missing; the install is incomplete.");
            }

            if (Directory.Exists(folder))
            {
                // A folder without the marker is a leftover of an older McpGuard that installed in place.
                Directory.Delete(folder, recursive: true);
            }

            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (IsInstalled(folder))
            {
                // Another demo finished the same install first; its copy is identical.
            }

            await status.WriteLineAsync("npm dependencies installed.");
            return folder;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static async Task RunNpmCiAsync(string npm, string folder, TextWriter status, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(npm)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=http" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new UserInputException($"could not start {npm}");
        var tail = new Queue<string>();
        var fetched = 0;
        async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > 20)
                    {
                        tail.Dequeue();
                    }

                    // npm logs one "http fetch GET 200 URL.tgz" line per downloaded package at --loglevel=http: a cheap progress count.
                    if (line.Contains("http fetch GET", StringComparison.Ordinal) && line.Contains(".tgz", StringComparison.Ordinal) && ++fetched % 25 == 0)
                    {
                        status.WriteLine($"  ... {fetched} packages downloaded");
                    }
                }
            }
        }

        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_installTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await pumps;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new UserInputException($"npm ci did not finish within {s_installTimeout.TotalMinutes:0} minutes (is the npm registry reachable?).");
        }

        if (process.ExitCode != 0)
        {
            var log = string.Join('\n', tail);
            var unreachable = new[] { "ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET", "network" }
                .Any(code => log.Contains(code, StringComparison.OrdinalIgnoreCase));
            throw new UserInputException(unreachable
                ? $"the npm registry is unreachable, so the demo's dependencies cannot be installed (npm ci exit {process.ExitCode}). " +
                  "Check your network or npm proxy settings (npm config get registry), then run mcpguard demo again. npm said:\n" + log
                : $"npm ci failed with exit code {process.ExitCode}. npm said:\n" + log);
        }

        await status.WriteLineAsync($"  {fetched} packages downloaded (install scripts disabled).");
    }
}
