namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Postmark (api.postmarkapp.com): POST /email, /email/withTemplate (one message), /email/batch (an array) and
/// /email/batchWithTemplates ({"Messages": [...]}). To, Cc and Bcc are comma-separated strings with "Name &lt;addr&gt;" forms.
/// Every POST body on the host is parsed, so a new send endpoint cannot skip the check.
/// </summary>
internal sealed class PostmarkProfile : IMailApiProfile
{
    private static readonly string[] s_fields = ["To", "Cc", "Bcc"];

    public string Name => "postmark";

    public bool Matches(EgressRequest request) =>
        request.Host == "api.postmarkapp.com" && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public IReadOnlyList<MailRecipient> GetRecipients(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_fields, recipients);
        return recipients;
    }
}
