using McpGuard.Core.Secrets;
using McpGuard.Runtime.Calls;
using McpGuard.Runtime.Egress.Tls;
using Microsoft.Extensions.Logging;

namespace McpGuard.Runtime.Egress;

/// <summary>What every connection of one proxy shares.</summary>
internal sealed class EgressConnectionContext(
    EgressPolicy policy,
    IInFlightCallRegistry calls,
    EgressInspector inspector,
    CredentialPlaceholders placeholders,
    EgressAuditWriter audit,
    LeafCertificateCache leaves,
    UpstreamClient upstream,
    ISecretRedactor redactor,
    ILogger logger) : IDisposable
{
    public EgressPolicy Policy { get; } = policy;
    public IInFlightCallRegistry Calls { get; } = calls;
    public EgressInspector Inspector { get; } = inspector;
    public CredentialPlaceholders Placeholders { get; } = placeholders;
    public EgressAuditWriter Audit { get; } = audit;
    public LeafCertificateCache Leaves { get; } = leaves;
    public UpstreamClient Upstream { get; } = upstream;
    public ISecretRedactor Redactor { get; } = redactor;
    public ILogger Logger { get; } = logger;

    public void Dispose()
    {
        Upstream.Dispose();
        Leaves.Dispose();
    }
}
