namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>SendGrid v3 (api.sendgrid.com, POST /v3/mail/send): personalizations[].to/cc/bcc, arrays of {email, name}.</summary>
internal sealed class SendGridProfile() : JsonRecipientFieldsProfile("sendgrid", "api.sendgrid.com", "to", "cc", "bcc")
{
    protected override IReadOnlyCollection<string> SenderFields { get; } = ["from"];
}
