using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// The upstream leg: one <see cref="SocketsHttpHandler"/> per proxy (never a proxy itself), names resolved here and
/// not in the sandbox, TLS verified against the system roots plus the extra roots from --egress-trust-ca.
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyDictionary<string, IPEndPoint> _resolve;
    private readonly X509Certificate2Collection _extraRoots;

    public UpstreamClient(IReadOnlyDictionary<string, IPEndPoint> resolve, X509Certificate2Collection extraRoots, EgressLimits limits)
    {
        _resolve = resolve.ToDictionary(p => HostPattern.Normalize(p.Key), p => p.Value, StringComparer.Ordinal);
        _extraRoots = extraRoots;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = ConnectAsync,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = Validate,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            },
        };
        _client = new HttpClient(handler) { Timeout = limits.UpstreamTimeout };
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPEndPoint> candidates;
        if (_resolve.TryGetValue(HostPattern.Normalize(context.DnsEndPoint.Host), out var mapped))
        {
            candidates = [mapped];
        }
        else
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);

            // Only public destinations by name: a DNS answer pointing at loopback or link-local (cloud metadata)
            // would let a sandboxed server reach the host's own services through us. --egress-resolve is the
            // explicit way to reach a local address.
            candidates = [.. addresses.Where(IsPublic).Select(a => new IPEndPoint(a, context.DnsEndPoint.Port))];
            if (candidates.Count == 0)
            {
                throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address");
            }
        }

        Exception? last = null;
        foreach (var endPoint in candidates)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw new HttpRequestException($"could not connect to {context.DnsEndPoint.Host}", last);
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Name mismatches and missing certificates are never rescued by an extra root.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || _extraRoots.Count == 0 || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        return !(address.AddressFamily == AddressFamily.InterNetwork && bytes[0] == 169 && bytes[1] == 254);
    }

    public void Dispose() => _client.Dispose();
}
