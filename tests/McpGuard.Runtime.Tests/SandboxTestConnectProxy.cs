using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace McpGuard.Runtime.Tests;

/// <summary>
/// A minimal HTTP/1.1 forward proxy on a Unix socket, standing in for McpGuard's egress proxy: CONNECT tunnels and
/// absolute-form plain-HTTP requests, to 127.0.0.1 endpoints only, chosen by a host:port map (like
/// --egress-resolve). Unmapped targets get 403. Records every request line it accepted or refused.
/// </summary>
internal sealed class SandboxTestConnectProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly IReadOnlyDictionary<string, int> _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    /// <param name="socketPath">Where to listen.</param>
    /// <param name="routes">"host:port" → loopback port.</param>
    public SandboxTestConnectProxy(string socketPath, IReadOnlyDictionary<string, int> routes)
    {
        SocketPath = socketPath;
        _routes = routes;
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(64);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    /// <summary>"CONNECT host:port" or "GET http://host/path", with " -> 403" appended when refused.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(Socket clientSocket)
    {
        using var client = new NetworkStream(clientSocket, ownsSocket: true);
        try
        {
            var (head, extra) = await ReadHeadAsync(client);
            var firstLineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
            var parts = head[..firstLineEnd].Split(' ');
            string authority;
            string? rewrittenHead = null;
            if (parts[0] == "CONNECT")
            {
                authority = parts[1];
            }
            else if (parts[1].StartsWith("http://", StringComparison.Ordinal))
            {
                var uri = new Uri(parts[1]);
                authority = $"{uri.Host}:{uri.Port}";
                rewrittenHead = $"{parts[0]} {uri.PathAndQuery} {parts[2]}" + head[firstLineEnd..];
            }
            else
            {
                Requests.Enqueue(head[..firstLineEnd] + " -> 400");
                await client.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }

            if (!_routes.TryGetValue(authority, out var port))
            {
                Requests.Enqueue($"{parts[0]} {parts[1]} -> 403");
                await client.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }

            Requests.Enqueue($"{parts[0]} {parts[1]}");
            using var upstreamSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstreamSocket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), _stop.Token);
            using var upstream = new NetworkStream(upstreamSocket, ownsSocket: false);
            if (rewrittenHead is null)
            {
                await client.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), _stop.Token);
            }
            else
            {
                await upstream.WriteAsync(Encoding.Latin1.GetBytes(rewrittenHead), _stop.Token);
            }

            if (extra.Length > 0)
            {
                await upstream.WriteAsync(extra, _stop.Token);
            }

            var up = PumpAsync(client, upstream, upstreamSocket);
            var down = PumpAsync(upstream, client, clientSocket);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A peer went away; the test asserts on what arrived, not on how the tunnel closed.
        }
    }

    private async Task PumpAsync(Stream from, Stream to, Socket toSocket)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            toSocket.Close();
        }
    }

    /// <summary>Reads up to the blank line ending the request head; returns it (Latin-1) and any bytes read past it.</summary>
    private async Task<(string Head, byte[] Extra)> ReadHeadAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
            if (read == 0)
            {
                throw new IOException("closed before the request head ended");
            }

            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.Latin1.GetString(buffer, 0, end + 4), buffer[(end + 4)..filled]);
            }

            if (filled == buffer.Length)
            {
                throw new IOException("request head larger than 16 KiB");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        _stop.Dispose();
    }
}
