namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>Resend (api.resend.com, POST /emails and /emails/batch): to/cc/bcc as a string or an array of strings.</summary>
internal sealed class ResendProfile : IMailApiProfile
{
    private static readonly string[] s_fields = ["to", "cc", "bcc"];

    public string Name => "resend";

    public bool Matches(EgressRequest request) =>
        request.Host == "api.resend.com" && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public IReadOnlyList<MailRecipient> GetRecipients(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_fields, recipients);
        return recipients;
    }
}
