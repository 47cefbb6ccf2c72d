namespace McpGuard.Runtime.Sandbox;

/// <summary>Fixed paths inside every sandbox; fixed so the host layout (user name, data dir) never leaks in.</summary>
public static class SandboxPaths
{
    public const string Home = "/home/mcpguard";
    public const string RunDirectory = "/run/mcpguard";
    public const string EgressSocket = RunDirectory + "/egress.sock";
    public const string TrustBundle = RunDirectory + "/ca-bundle.pem";
    /// <summary>The trust bundle minus the system roots, for NODE_EXTRA_CA_CERTS (see NodeTrustBundle).</summary>
    public const string NodeExtraCaCerts = RunDirectory + "/node-extra-ca.pem";
    public const string NodePreload = RunDirectory + "/mcpguard-node-proxy.cjs";
    public const string NodeRelay = RunDirectory + "/mcpguard-relay.cjs";

    /// <summary>Prefix of every line the sandbox itself (relay wrapper, Node preload) writes to the server's stderr.</summary>
    public const string StderrMarker = "mcpguard-sandbox:";

    /// <summary>System folders mounted read-only (or recreated as the same symlinks) in every sandbox.</summary>
    internal static readonly string[] SystemRoots = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    /// <summary>
    /// The /etc pieces programs need to load libraries, verify TLS and map names; not passwd/group/hosts
    /// (generated minimal ones are mounted instead), not resolv.conf (there is no DNS inside), and not
    /// /etc/ssl/private or /etc/pki/tls/private (host TLS keys: a root caller would still own them inside).
    /// </summary>
    internal static readonly string[] EtcFiles =
    [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/ssl/certs", "/etc/ssl/openssl.cnf",
        "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki/tls/certs", "/etc/pki/ca-trust", "/etc/alternatives",
        "/etc/nsswitch.conf", "/etc/localtime", "/etc/mime.types",
    ];

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or inside it (no trailing-slash tricks).</summary>
    internal static bool IsSameOrUnder(string path, string root)
    {
        var p = Path.TrimEndingDirectorySeparator(path);
        var r = Path.TrimEndingDirectorySeparator(root);
        return r == "/" || p == r || p.StartsWith(r + "/", StringComparison.Ordinal);
    }
}
