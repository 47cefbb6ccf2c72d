namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>SendGrid v3 (api.sendgrid.com, POST /v3/mail/send): personalizations[].to/cc/bcc, arrays of {email, name}.</summary>
internal sealed class SendGridProfile : IMailApiProfile
{
    private static readonly string[] s_fields = ["to", "cc", "bcc"];

    public string Name => "sendgrid";

    public bool Matches(EgressRequest request) =>
        request.Host == "api.sendgrid.com" && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public IReadOnlyList<MailRecipient> GetRecipients(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_fields, recipients);
        return recipients;
    }
}
