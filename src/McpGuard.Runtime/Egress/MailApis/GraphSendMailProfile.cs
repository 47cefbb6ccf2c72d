using System.Text;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Microsoft Graph (graph.microsoft.com): POST .../sendMail, and message creation/reply/forward bodies, with
/// toRecipients/ccRecipients/bccRecipients as arrays of {"emailAddress": {"address": ...}}; sendMail also takes a
/// base64 MIME message as text/plain, whose headers are parsed instead.
/// </summary>
internal sealed class GraphSendMailProfile()
    : JsonRecipientFieldsProfile("microsoft-graph", "graph.microsoft.com", "toRecipients", "ccRecipients", "bccRecipients")
{
    protected override IReadOnlyCollection<string> SenderFields { get; } = ["from"];

    public override MailEnvelope Read(EgressRequest request)
    {
        if (request.ContentType is { } type && type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            var recipients = new List<MailRecipient>();
            MailParsing.AddMimeRecipients(MailParsing.DecodeBase64Any(Encoding.ASCII.GetString(request.Body), "MIME body"), "MIME", recipients);
            return MailEnvelope.RecipientsOnly(recipients);
        }

        return base.Read(request);
    }
}
