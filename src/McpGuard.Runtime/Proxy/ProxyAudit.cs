using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;

namespace McpGuard.Runtime.Proxy;

/// <summary>
/// Builds audit events for one session and appends them (awaited: callers forward only afterwards). Reasons and
/// details go through the redactor first. With no sink, nothing is built, so the hot path stays allocation-free.
/// </summary>
internal sealed class ProxyAudit(IAuditSink? sink, ISecretRedactor redactor, string server, TimeProvider time)
{
    public const string ClientToServer = "client-to-server";
    public const string ServerToClient = "server-to-client";
    public const string ProxyToServer = "proxy-to-server";

    public bool Enabled => sink is not null;

    public ValueTask RecordAsync(
        string kind,
        string? direction,
        string? method,
        JsonRpcId? id,
        string decision,
        CancellationToken cancellationToken,
        string? reason = null,
        RuleDescriptor? rule = null,
        string? tool = null,
        JsonObject? details = null)
    {
        if (sink is null)
        {
            return ValueTask.CompletedTask;
        }

        if (details is not null)
        {
            redactor.RedactInPlace(details);
        }

        return sink.AppendAsync(new AuditEvent
        {
            Time = time.GetUtcNow(),
            Kind = kind,
            Server = server,
            Direction = direction,
            Method = method,
            Tool = tool,
            RequestId = id?.ToString(),
            Decision = decision,
            Reason = reason is null ? null : redactor.Redact(reason),
            RuleId = rule?.Id,
            Details = details,
        }, cancellationToken);
    }
}
