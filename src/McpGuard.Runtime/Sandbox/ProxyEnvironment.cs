namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// The environment variables that point a server at the egress proxy and at McpGuard's trust bundle. Shared by the
/// bubblewrap launcher and by proxy-environment mode (macOS/Windows, weaker: nothing stops a client ignoring them).
/// </summary>
public static class ProxyEnvironment
{
    /// <summary>Names whose values the launcher owns; a caller's value for them is replaced, never merged.</summary>
    public static readonly IReadOnlyList<string> ProxyVariables =
        ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"];

    /// <summary>
    /// NODE_EXTRA_CA_CERTS appends to Node's roots; the others replace the tool's store, which is why the bundle must
    /// hold McpGuard's CA plus the system roots.
    /// </summary>
    public static readonly IReadOnlyList<string> TrustVariables =
        ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "PIP_CERT", "CARGO_HTTP_CAINFO"];

    public static IReadOnlyDictionary<string, string> Build(string proxyUrl, string? trustBundlePath)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HTTP_PROXY"] = proxyUrl,
            ["HTTPS_PROXY"] = proxyUrl,
            ["http_proxy"] = proxyUrl,
            ["https_proxy"] = proxyUrl,
            // Loopback only: every other host must pass the proxy to be inspected.
            ["NO_PROXY"] = "localhost,127.0.0.1,::1",
            ["no_proxy"] = "localhost,127.0.0.1,::1",
        };
        if (trustBundlePath is not null)
        {
            foreach (var name in TrustVariables)
            {
                env[name] = trustBundlePath;
            }
        }

        return env;
    }

    /// <summary>NODE_OPTIONS with a --require of the preload, keeping the caller's own options after it.</summary>
    public static string NodeOptionsWithPreload(string preloadPath, string? existing)
    {
        var require = "--require " + preloadPath;
        return string.IsNullOrWhiteSpace(existing) ? require : require + " " + existing;
    }
}
