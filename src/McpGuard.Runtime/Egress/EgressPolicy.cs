namespace McpGuard.Runtime.Egress;

/// <summary>
/// What one sandboxed server may send out. Immutable; built by the policy loader (stdio-proxy area) from the
/// policy file and flags, checked by <see cref="EgressPolicyValidator"/> before a proxy starts.
/// </summary>
public sealed record EgressPolicy
{
    /// <summary>The server name every audit event and in-flight call lookup uses.</summary>
    public required string Server { get; init; }

    /// <summary>Default deny. Exact host names, or <c>*.example.com</c> for any subdomain (not the apex itself).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Addresses a body may carry without being in the call's arguments (typically the sender).</summary>
    public IReadOnlyList<string> KnownAddresses { get; init; } = [];

    /// <summary>Credentials the server gets as placeholders; the proxy swaps the real value in on the right host only.</summary>
    public IReadOnlyList<EgressSecret> Secrets { get; init; } = [];

    public EgressLimits Limits { get; init; } = new();
}

/// <summary>A credential: env var <paramref name="Name"/>, its real <paramref name="Value"/>, and the one host and header it belongs to.</summary>
public sealed record EgressSecret(string Name, string Value, string Host, string Header)
{
    // The real value must never show up in logs or exceptions through the record's generated ToString.
    public override string ToString() => $"EgressSecret {{ Name = {Name}, Host = {Host}, Header = {Header} }}";
}

/// <summary>Size and time bounds for the proxy, in the manner of Kestrel's limits: each default says why.</summary>
public sealed record EgressLimits
{
    /// <summary>8 KiB, Kestrel's request-line default: longer targets are abuse, not API calls.</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>32 KiB of headers, Kestrel's default: API requests carry a few hundred bytes.</summary>
    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    /// <summary>100 headers, Kestrel's default.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// 10 MiB: Postmark's own per-message limit (with attachments), so no legitimate mail body is larger; bodies are
    /// buffered whole to be inspected, and anything larger is blocked (fail closed) instead of streamed unseen.
    /// </summary>
    public long MaxBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>30 s to send a request head: slow-loris protection, far above any real client.</summary>
    public TimeSpan RequestHeadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>100 s, HttpClient's default: an upstream that answers slower is treated as failed.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>256 leaf certificates cached (as srt does): a server talks to a handful of hosts.</summary>
    public int LeafCertificateCacheSize { get; init; } = 256;
}
