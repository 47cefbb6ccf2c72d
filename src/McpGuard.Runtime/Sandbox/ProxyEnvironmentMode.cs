using System.Globalization;
using System.Net;
using McpGuard.Runtime.Processes;

namespace McpGuard.Runtime.Sandbox;

/// <summary>
/// Proxy-environment mode, for a server that runs without a sandbox (macOS, Windows, a Linux without bubblewrap with
/// <c>--sandbox none</c>): the egress proxy listens on 127.0.0.1 and the server is only *told* to use it, through
/// HTTP(S)_PROXY, the trust bundle variables and the Node preload. Weaker than the sandbox: nothing stops a server
/// that ignores those variables from connecting directly, so every start says so.
/// </summary>
public static class ProxyEnvironmentMode
{
    public const string Warning =
        "WARNING: proxy-environment mode: the server is NOT sandboxed. Its HTTP(S) goes through McpGuard's egress proxy " +
        "only because HTTP(S)_PROXY tells it to; a server that ignores that, or opens its own sockets, bypasses every " +
        "egress rule. Use the bubblewrap sandbox where you can (Linux: apt-get install bubblewrap; see docs/sandbox.md).";

    /// <summary>
    /// The spec with its environment pointed at the proxy on <paramref name="proxy"/>: proxy variables (loopback in
    /// NO_PROXY), trust variables set to <paramref name="trustBundlePath"/>, the Node preload (Node 20's fetch and
    /// http/https ignore HTTP(S)_PROXY), and the credential placeholders in place of the real values.
    /// </summary>
    public static ServerLaunchSpec Apply(ServerLaunchSpec spec, IPEndPoint proxy, string trustBundlePath, IReadOnlyDictionary<string, string> placeholders)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(proxy);
        var env = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal);
        foreach (var name in ProxyEnvironment.ProxyVariables.Concat(ProxyEnvironment.TrustVariables))
        {
            // McpGuard owns these: a caller's own proxy or trust store would route around the egress proxy.
            env.Remove(name);
        }

        var url = string.Create(CultureInfo.InvariantCulture, $"http://{proxy.Address}:{proxy.Port}");
        foreach (var (name, value) in ProxyEnvironment.Build(url, trustBundlePath))
        {
            env[name] = value;
        }

        // The preload asset is written by the Linux sandbox assets; elsewhere Node gets the CA the standard way and
        // only proxy-aware clients (axios, undici's EnvHttpProxyAgent) use the proxy.
        var preload = OperatingSystem.IsLinux() ? SandboxAssets.Ensure(null).NodePreload : null;
        if (preload is not null)
        {
            env.Remove("NODE_EXTRA_CA_CERTS");
            env["MCPGUARD_NODE_EXTRA_CA"] = trustBundlePath;
            env["NODE_OPTIONS"] = ProxyEnvironment.NodeOptionsWithPreload(preload, env.GetValueOrDefault("NODE_OPTIONS"));
        }

        // Placeholders win over any --pass-env of the same name: the real value must never reach the server.
        foreach (var (name, placeholder) in placeholders)
        {
            env[name] = placeholder;
        }

        return spec with { Environment = env };
    }
}
