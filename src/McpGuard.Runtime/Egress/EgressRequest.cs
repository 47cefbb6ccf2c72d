using McpGuard.Runtime.Egress.Http;

namespace McpGuard.Runtime.Egress;

/// <summary>One outbound request as the proxy will send it upstream, with its whole (bounded) body.</summary>
internal sealed class EgressRequest(string scheme, string host, int port, HttpRequestHead head, string pathAndQuery, byte[] body)
{
    /// <summary>"https" (CONNECT tunnel or absolute-form https://) or "http".</summary>
    public string Scheme { get; } = scheme;

    /// <summary>Normalised (lower case, no trailing dot).</summary>
    public string Host { get; } = HostPattern.Normalize(host);

    public int Port { get; } = port;

    public HttpRequestHead Head { get; } = head;

    public string Method => Head.Method;

    public string PathAndQuery { get; } = pathAndQuery;

    /// <summary>The path without the query, for rules and the audit log (queries may carry tokens).</summary>
    public string Path => PathAndQuery.Split('?', 2)[0];

    public byte[] Body { get; } = body;

    public string? ContentType => Head.Get("Content-Type");
}
