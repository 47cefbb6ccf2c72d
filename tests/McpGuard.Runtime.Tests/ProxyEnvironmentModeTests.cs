using System.Net;
using McpGuard.Runtime.Processes;
using McpGuard.Runtime.Sandbox;

namespace McpGuard.Runtime.Tests;

/// <summary>Proxy-environment mode's environment: McpGuard's proxy and trust bundle replace the caller's, placeholders replace secrets.</summary>
public sealed class ProxyEnvironmentModeTests
{
    [Fact]
    public void Apply_CallerProxyTrustAndSecret_ReplacedByMcpGuardsOwn()
    {
        var spec = new ServerLaunchSpec
        {
            Command = "node",
            Arguments = ["server.js"],
            Environment = new Dictionary<string, string>
            {
                ["PATH"] = "/usr/bin",
                ["HTTPS_PROXY"] = "http://corp-proxy:3128",
                ["NO_PROXY"] = "*",
                ["SSL_CERT_FILE"] = "/home/user/other.pem",
                ["NODE_OPTIONS"] = "--max-old-space-size=512",
                ["POSTMARK_SERVER_TOKEN"] = "real-token",
            },
        };

        var result = ProxyEnvironmentMode.Apply(spec, new IPEndPoint(IPAddress.Loopback, 41234), "/run/bundle.pem", new Dictionary<string, string> { ["POSTMARK_SERVER_TOKEN"] = "mcpguard-placeholder-1" });
        var env = result.Environment;

        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy" })
        {
            Assert.Equal("http://127.0.0.1:41234", env[name]);
        }

        // NO_PROXY=* would have let every request bypass the proxy; only loopback may.
        Assert.Equal("localhost,127.0.0.1,::1", env["NO_PROXY"]);
        Assert.Equal("/run/bundle.pem", env["SSL_CERT_FILE"]);
        Assert.Equal("mcpguard-placeholder-1", env["POSTMARK_SERVER_TOKEN"]);
        Assert.DoesNotContain(env.Values, v => v.Contains("real-token", StringComparison.Ordinal));
        Assert.Equal("/usr/bin", env["PATH"]);
        Assert.StartsWith("--require ", env["NODE_OPTIONS"], StringComparison.Ordinal);
        Assert.EndsWith(".cjs --max-old-space-size=512", env["NODE_OPTIONS"], StringComparison.Ordinal);
        Assert.True(File.Exists(env["NODE_OPTIONS"].Split(' ')[1]), "the preload file exists on disk");
        Assert.Equal("/run/bundle.pem", env["MCPGUARD_NODE_EXTRA_CA"]);
        Assert.Equal(["server.js"], result.Arguments);
    }
}
