using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// The egress proxy for one sandboxed server: an HTTP/1.1 forward proxy on the server's Unix socket (or 127.0.0.1:0)
/// that terminates TLS with McpGuard's CA, ties every request to the tool calls in flight, applies the policy, swaps
/// placeholder credentials, audits each decision and forwards what is allowed. A connection's identity is the
/// socket it arrives on: everything on this listener belongs to <see cref="EgressPolicy.Server"/>.
/// </summary>
public sealed partial class EgressProxy : IAsyncDisposable
{
    /// <summary>A whole system CA bundle is ~200 KiB; 16 MiB leaves room and stops a wrong file from being read whole.</summary>
    private const long MaxTrustCaFileBytes = 16L * 1024 * 1024;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly EgressConnectionContext _context;
    private readonly EgressCertificateAuthority? _ownedAuthority;
    private readonly ILogger _logger;
    private readonly HashSet<Task> _connections = [];
    private readonly Lock _connectionsLock = new();

    private EgressProxy(Socket listener, EgressConnectionContext context, string trustBundlePath, EgressCertificateAuthority? ownedAuthority, ILogger logger)
    {
        _listener = listener;
        _context = context;
        _ownedAuthority = ownedAuthority;
        _logger = logger;
        TrustBundlePath = trustBundlePath;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The Unix socket path, or null when listening on TCP.</summary>
    public string? SocketPath { get; private init; }

    /// <summary>The TCP endpoint (127.0.0.1:port) when not on a Unix socket.</summary>
    public IPEndPoint? TcpEndPoint => _listener.LocalEndPoint as IPEndPoint;

    /// <summary>PEM bundle (McpGuard CA + system roots) for NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and friends.</summary>
    public string TrustBundlePath { get; }

    /// <summary>Secret name → placeholder value: put these in the sandbox environment instead of the real values.</summary>
    public IReadOnlyDictionary<string, string> PlaceholderEnvironment => _context.Placeholders.Environment;

    public string Server => _context.Policy.Server;

    /// <summary>
    /// Validates the policy (throws <see cref="UserInputException"/>), loads or creates the CA, writes the trust
    /// bundle to the data folder and starts listening.
    /// </summary>
    public static EgressProxy Start(
        EgressProxyOptions options,
        IInFlightCallRegistry calls,
        IAuditSink audit,
        ISecretRedactor redactor,
        Action<EgressAlert>? onAlert = null,
        ILogger? logger = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        EgressPolicyValidator.ThrowIfInvalid(options.Policy);
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        var dataDirectory = options.DataDirectory ?? DataDirectory.Resolve();
        EgressCertificateAuthority? owned = null;
        var authority = options.CertificateAuthority ?? (owned = EgressCertificateAuthority.LoadOrCreate(dataDirectory, time));
        // An injected (test) CA must never overwrite the real bundle in the user's data folder.
        var bundleDirectory = options.CertificateAuthority is null || options.DataDirectory is not null
            ? dataDirectory
            : Path.Combine(Path.GetTempPath(), $"mcpguard-egress-{Guid.NewGuid():N}");
        var bundle = TrustBundle.Write(authority, bundleDirectory);

        var roots = new X509Certificate2Collection();
        foreach (var file in options.ExtraTrustCaFiles)
        {
            // InputFile: a named pipe would block the read forever, a huge file would be read whole.
            var pem = InputFile.ReadAllText(file, MaxTrustCaFileBytes, "--egress-trust-ca");
            var before = roots.Count;
            try
            {
                roots.ImportFromPem(pem);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw new UserInputException($"--egress-trust-ca '{file}': not a readable PEM certificate file ({ex.Message})", ex);
            }

            // ImportFromPem skips what is not a certificate: a wrong file would otherwise add no root, silently.
            if (roots.Count == before)
            {
                throw new UserInputException($"--egress-trust-ca '{file}': not a readable PEM certificate file (no certificate in it)");
            }
        }

        var placeholders = new CredentialPlaceholders(options.Policy.Secrets);
        var context = new EgressConnectionContext(
            options.Policy,
            calls,
            new EgressInspector(options.Policy, placeholders, redactor),
            placeholders,
            new EgressAuditWriter(options.Policy.Server, audit, redactor, time, onAlert),
            new LeafCertificateCache(authority, options.Policy.Limits.LeafCertificateCacheSize, time),
            new UpstreamClient(options.Resolve, roots, options.Policy.Limits),
            redactor,
            logger);

        Socket listener;
        if (options.UnixSocketPath is { } path)
        {
            if (File.Exists(path))
            {
                // A stale socket from a previous run; binding would fail otherwise.
                File.Delete(path);
            }

            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                // Only this user (and the sandbox, which runs as this user) may connect.
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        else
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        listener.Listen(128);
        var proxy = new EgressProxy(listener, context, bundle, owned, logger) { SocketPath = options.UnixSocketPath };
        LogStarted(logger, options.Policy.Server, options.UnixSocketPath ?? listener.LocalEndPoint?.ToString() ?? "?");
        return proxy;
    }

    /// <summary>Environment for proxy-aware clients: proxy URL for a given in-sandbox address, trust variables, placeholders.</summary>
    public IReadOnlyDictionary<string, string> BuildClientEnvironment(string proxyUrl, string trustBundlePathInSandbox)
    {
        var env = new Dictionary<string, string>(Sandbox.ProxyEnvironment.Build(proxyUrl, trustBundlePathInSandbox), StringComparer.Ordinal);
        foreach (var (name, placeholder) in PlaceholderEnvironment)
        {
            env[name] = placeholder;
        }

        return env;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            var task = Task.Run(() => new EgressConnection(_context, client).RunAsync(_stopping.Token));
            lock (_connectionsLock)
            {
                _connections.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_connectionsLock)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] running;
        lock (_connectionsLock)
        {
            running = [.. _connections];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Connections blocked on a slow upstream are abandoned; their sockets close with the process.
        }

        if (SocketPath is not null && File.Exists(SocketPath))
        {
            File.Delete(SocketPath);
        }

        _context.Dispose();
        _ownedAuthority?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "egress proxy for {Server} listening on {Address}")]
    private static partial void LogStarted(ILogger logger, string server, string address);
}
