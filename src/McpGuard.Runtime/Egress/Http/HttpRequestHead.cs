namespace McpGuard.Runtime.Egress.Http;

/// <summary>A parsed HTTP/1.1 request line and header block (names as sent; lookups are case-insensitive).</summary>
internal sealed class HttpRequestHead(string method, string target, string version, List<KeyValuePair<string, string>> headers)
{
    public string Method { get; } = method;

    /// <summary>As sent: authority-form for CONNECT, absolute-form to a proxy, origin-form inside a tunnel.</summary>
    public string Target { get; } = target;

    public string Version { get; } = version;

    public List<KeyValuePair<string, string>> Headers { get; } = headers;

    public IEnumerable<string> GetAll(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return value;
            }
        }
    }

    public string? Get(string name) => GetAll(name).FirstOrDefault();

    public int Count(string name) => GetAll(name).Count();

    /// <summary>True when the client asked to close after this exchange (HTTP/1.0 without keep-alive, or Connection: close).</summary>
    public bool WantsClose =>
        GetAll("Connection").Any(v => v.Split(',').Any(t => t.Trim().Equals("close", StringComparison.OrdinalIgnoreCase)))
        || (Version == "HTTP/1.0" && !GetAll("Connection").Any(v => v.Contains("keep-alive", StringComparison.OrdinalIgnoreCase)));
}

/// <summary>A request the proxy refuses on protocol grounds; <see cref="StatusCode"/> goes back to the client.</summary>
internal sealed class EgressProtocolException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
