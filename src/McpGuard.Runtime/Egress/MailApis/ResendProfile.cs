namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>Resend (api.resend.com, POST /emails and /emails/batch): to/cc/bcc as a string or an array of strings.</summary>
internal sealed class ResendProfile() : JsonRecipientFieldsProfile("resend", "api.resend.com", "to", "cc", "bcc")
{
    protected override IReadOnlyCollection<string> SenderFields { get; } = ["from"];
}
