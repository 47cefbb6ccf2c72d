namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Postmark (api.postmarkapp.com): POST /email, /email/withTemplate (one message), /email/batch (an array) and
/// /email/batchWithTemplates ({"Messages": [...]}). To, Cc and Bcc are comma-separated strings with "Name &lt;addr&gt;" forms.
/// Every POST body on the host is parsed, so a new send endpoint cannot skip the check.
/// </summary>
internal sealed class PostmarkProfile() : JsonRecipientFieldsProfile("postmark", "api.postmarkapp.com", "To", "Cc", "Bcc")
{
    protected override IReadOnlyCollection<string> SenderFields { get; } = ["From"];
}
