namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Microsoft Graph (graph.microsoft.com): POST .../sendMail, and message creation/reply/forward bodies, with
/// toRecipients/ccRecipients/bccRecipients as arrays of {"emailAddress": {"address": ...}}.
/// </summary>
internal sealed class GraphSendMailProfile : IMailApiProfile
{
    private static readonly string[] s_fields = ["toRecipients", "ccRecipients", "bccRecipients"];

    public string Name => "microsoft-graph";

    public bool Matches(EgressRequest request) =>
        request.Host == "graph.microsoft.com" && MailParsing.IsSendMethod(request) && request.Body.Length > 0
        && (request.ContentType is null || request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase));

    public IReadOnlyList<MailRecipient> GetRecipients(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_fields, recipients);
        return recipients;
    }
}
