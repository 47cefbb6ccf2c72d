using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace McpGuard.TestSupport;

/// <summary>
/// A real npm registry (Verdaccio from tests/Fixtures/node) on 127.0.0.1 with a free port, a private temp storage
/// folder and NO uplinks, so nothing ever leaves the machine. Use as an xunit class fixture
/// (<c>IClassFixture&lt;VerdaccioRegistry&gt;</c>); publish packages with <see cref="Publish"/>.
/// </summary>
public sealed class VerdaccioRegistry : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _root = new("mcpguard-verdaccio");
    private readonly string _bin;
    private readonly string _config;
    private Process _process;
    private readonly string _npmrc;

    public VerdaccioRegistry()
    {
        var bin = Path.Combine(RepoPaths.NodeFixtures, "node_modules", "verdaccio", "bin", "verdaccio");
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException(
                $"Verdaccio is missing at {bin}; run 'npm ci --prefix tests/Fixtures/node' (or .ci/run) before the registry tests.");
        }

        Port = FreePort();
        Url = new Uri($"http://127.0.0.1:{Port}/");
        var storage = Path.Combine(_root.Path, "storage");
        Directory.CreateDirectory(storage);
        var config = _root.Write("config.yaml", $"""
            storage: {storage}
            auth:
              htpasswd:
                file: {Path.Combine(_root.Path, "htpasswd")}
            uplinks: {"{}"}
            packages:
              '**':
                access: $all
                publish: $authenticated
                unpublish: $authenticated
            server:
              keepAliveTimeout: 0
            log: {"{"} type: stdout, format: json, level: warn {"}"}
            """);
        _bin = bin;
        _config = config;
        _process = StartProcess();
        try
        {
            WaitUntilReady();
            _npmrc = _root.Write(".npmrc", $"//127.0.0.1:{Port}/:_authToken={CreateUserToken()}\n");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary>The registry URL, with a trailing slash.</summary>
    public Uri Url { get; }

    /// <summary>The folder Verdaccio stores packages in (tarballs under storage/NAME/NAME-VERSION.tgz).</summary>
    public string StoragePath => Path.Combine(_root.Path, "storage");

    /// <summary>Stops the registry (it then refuses connections on its port); <see cref="Restart"/> brings it back with the same storage.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Starts the registry again on the same port and storage, and waits until it answers.</summary>
    public void Restart()
    {
        Stop();
        _process.Dispose();
        _process = StartProcess();
        WaitUntilReady();
    }

    /// <summary>Publishes a package folder with the real npm CLI (no scripts run, private npm cache).</summary>
    public void Publish(string packageDirectory)
    {
        var start = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root.Path,
        };
        foreach (var a in new[]
        {
            "publish", packageDirectory, "--registry", Url.AbsoluteUri, "--userconfig", _npmrc, "--ignore-scripts",
            "--cache", Path.Combine(_root.Path, "npm-cache"), "--no-audit", "--no-fund", "--tag", "latest",
        })
        {
            start.ArgumentList.Add(a);
        }

        using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm could not be started.");
        var stderr = npm.StandardError.ReadToEndAsync();
        var stdout = npm.StandardOutput.ReadToEndAsync();
        if (!npm.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            npm.Kill(entireProcessTree: true);
            throw new TimeoutException($"npm publish {packageDirectory} did not finish in 120 s.");
        }

        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm publish {packageDirectory} failed ({npm.ExitCode}): {stderr.Result}{stdout.Result}");
        }
    }

    /// <summary>Replaces a stored tarball's bytes behind the registry's back, so its published integrity no longer matches.</summary>
    public void Tamper(string name, string version, byte[] replacement)
    {
        var file = Path.Combine(StoragePath, name, $"{name.Split('/')[^1]}-{version}.tgz");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException("No stored tarball to tamper with.", file);
        }

        File.WriteAllBytes(file, replacement);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _root.Dispose();
    }

    private Process StartProcess()
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root.Path,
        };
        start.ArgumentList.Add(_bin);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(_config);
        start.ArgumentList.Add("--listen");
        start.ArgumentList.Add($"127.0.0.1:{Port}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started for Verdaccio.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void WaitUntilReady()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Verdaccio exited with code {_process.ExitCode} before it was ready.");
            }

            try
            {
                using var response = http.GetAsync(new Uri(Url, "-/ping")).GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            // Polling a starting process; readiness is the ping answer above, not this delay.
            Thread.Sleep(200);
        }

        throw new TimeoutException($"Verdaccio did not answer on {Url} within {StartTimeout.TotalSeconds} s.");
    }

    private string CreateUserToken()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var body = new JsonObject { ["name"] = "mcpguard-test", ["password"] = "mcpguard-test-" + Guid.NewGuid().ToString("N") };
        using var response = http.PutAsJsonAsync(new Uri(Url, "-/user/org.couchdb.user:mcpguard-test"), body).GetAwaiter().GetResult();
        var json = JsonNode.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        return json?["token"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"Verdaccio did not return a token when creating the test user ({(int)response.StatusCode}).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
