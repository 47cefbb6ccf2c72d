using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Calls;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// Turns verdicts into audit events (kind "egress") and alerts. Metadata only: method, host, path, size,
/// recipients, rule, the calls in flight; never bodies, queries or header values, and text goes through the redactor.
/// </summary>
internal sealed class EgressAuditWriter(string server, IAuditSink sink, ISecretRedactor redactor, TimeProvider time, Action<EgressAlert>? onAlert)
{
    public async ValueTask WriteAsync(EgressRequest request, EgressVerdict verdict, CallArguments calls, CancellationToken cancellationToken)
    {
        var details = new JsonObject
        {
            ["scheme"] = request.Scheme,
            ["host"] = request.Host,
            ["port"] = request.Port,
            ["path"] = redactor.Redact(request.Path),
            ["bodyBytes"] = request.Body.Length,
            ["calls"] = CallsJson(calls.Calls),
        };
        if (verdict.Profile is not null)
        {
            details["mailApi"] = verdict.Profile;
            details["recipients"] = new JsonArray([.. verdict.Recipients.Select(r => (JsonNode)new JsonObject { ["field"] = r.Field, ["address"] = redactor.Redact(r.Address) })]);
        }

        if (verdict.UnexpectedRecipients.Count > 0)
        {
            details["unexpectedRecipients"] = new JsonArray([.. verdict.UnexpectedRecipients.Select(a => (JsonNode)redactor.Redact(a))]);
        }

        if (verdict.Flags.Count > 0)
        {
            details["flags"] = new JsonArray([.. verdict.Flags.Select(f => (JsonNode)new JsonObject { ["ruleId"] = f.Rule.Id, ["message"] = redactor.Redact(f.Message) })]);
        }

        var decision = !verdict.Allowed ? "block" : verdict.Flags.Count > 0 ? "alert" : "allow";
        var ruleId = verdict.Rule?.Id ?? (verdict.Flags.Count > 0 ? verdict.Flags[0].Rule.Id : null);
        try
        {
            await sink.AppendAsync(Event(request.Method, decision, verdict.Reason, ruleId, details) with
            {
                Tool = calls.Calls.Count == 1 ? calls.Calls[0].Tool : null,
                RequestId = calls.Calls.Count == 1 ? calls.Calls[0].RequestId : null,
            }, cancellationToken);
        }
        finally
        {
            // Raised whether or not the event could be written: when the audit log fails, the alert on stderr is the
            // only place a blocked exfiltration attempt still shows.
            if (!verdict.Allowed && verdict.Rule is not null)
            {
                Raise(verdict.Rule, blocked: true, request.Method, request.Host, request.Path, verdict.Reason ?? verdict.Rule.Title, verdict.UnexpectedRecipients);
            }

            foreach (var flag in verdict.Flags)
            {
                Raise(flag.Rule, blocked: false, request.Method, request.Host, request.Path, flag.Message, []);
            }
        }
    }

    /// <summary>A refusal before any request could be read (CONNECT to a denied host, broken framing, failed handshake).</summary>
    public async ValueTask WriteRefusalAsync(string method, string host, int port, RuleDescriptor rule, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await sink.AppendAsync(Event(method, "block", reason, rule.Id, new JsonObject { ["host"] = host, ["port"] = port }), cancellationToken);
        }
        finally
        {
            Raise(rule, blocked: true, method, host, string.Empty, reason, []); // as in WriteAsync: even when unrecorded
        }
    }

    private AuditEvent Event(string method, string decision, string? reason, string? ruleId, JsonObject details) => new()
    {
        Time = time.GetUtcNow(),
        Kind = "egress",
        Server = server,
        Direction = "egress",
        Method = method,
        Decision = decision,
        Reason = reason is null ? null : redactor.Redact(reason),
        RuleId = ruleId,
        Details = details,
    };

    private void Raise(RuleDescriptor rule, bool blocked, string method, string host, string path, string message, IReadOnlyList<string> unexpected)
    {
        onAlert?.Invoke(new EgressAlert(server, rule.Id, rule.DefaultSeverity, blocked, method, host, redactor.Redact(path), redactor.Redact(message),
            [.. unexpected.Select(redactor.Redact)]));
    }

    private static JsonArray CallsJson(IReadOnlyList<InFlightCall> calls) =>
        new([.. calls.Select(c => (JsonNode)new JsonObject { ["requestId"] = c.RequestId, ["tool"] = c.Tool })]);
}
