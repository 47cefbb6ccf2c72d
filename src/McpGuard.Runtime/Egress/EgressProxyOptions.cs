using System.Net;
using McpGuard.Core;
using McpGuard.Runtime.Egress.Tls;

namespace McpGuard.Runtime.Egress;

/// <summary>How to run the egress proxy for one server.</summary>
public sealed record EgressProxyOptions
{
    public required EgressPolicy Policy { get; init; }

    /// <summary>The per-server Unix socket the sandbox relay connects to. Null: listen on 127.0.0.1:0 (tests, proxy-env mode).</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>--egress-resolve: connect to this address for the host (tests, air-gapped use).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Resolve { get; init; } = new Dictionary<string, IPEndPoint>();

    /// <summary>--egress-trust-ca: extra PEM roots for upstream TLS.</summary>
    public IReadOnlyList<string> ExtraTrustCaFiles { get; init; } = [];

    /// <summary>Where the CA and the trust bundle live; null: <see cref="Core.DataDirectory.Resolve"/>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>A CA to use instead of the persisted one (tests and benchmarks); the caller keeps ownership.</summary>
    public EgressCertificateAuthority? CertificateAuthority { get; init; }

    /// <summary>Parses one --egress-resolve value, HOST=IP:PORT.</summary>
    public static KeyValuePair<string, IPEndPoint> ParseResolve(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('=', 2);
        if (parts.Length != 2 || parts[0].Length == 0 || !IPEndPoint.TryParse(parts[1], out var endPoint) || endPoint.Port == 0)
        {
            throw new UserInputException($"--egress-resolve '{text}': expected HOST=IP:PORT, e.g. api.postmarkapp.com=127.0.0.1:8443");
        }

        return new(HostPattern.Normalize(parts[0]), endPoint);
    }
}
