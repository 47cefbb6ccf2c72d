using System.Text.Json;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Gmail API (gmail.googleapis.com / www.googleapis.com, paths under /gmail/): messages.send, drafts.create/send and
/// import/insert carry {"raw": base64url RFC 822} (possibly under "message"); the upload endpoint takes the message
/// itself (message/rfc822). Recipients come from the MIME headers, parsed with MimeKit.
/// </summary>
internal sealed class GmailProfile : IMailApiProfile
{
    public string Name => "gmail";

    public bool Matches(EgressRequest request) =>
        request.Host is "gmail.googleapis.com" or "www.googleapis.com"
        && request.Path.Contains("/gmail/", StringComparison.OrdinalIgnoreCase)
        && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public MailEnvelope Read(EgressRequest request)
    {
        var recipients = new List<MailRecipient>();
        if (request.ContentType is { } type && type.StartsWith("message/rfc822", StringComparison.OrdinalIgnoreCase))
        {
            MailParsing.AddMimeRecipients(request.Body, "MIME", recipients);
            return MailEnvelope.RecipientsOnly(recipients);
        }

        using var document = MailParsing.ParseJson(request.Body);
        var found = CollectRaw(document.RootElement, recipients);
        if (!found && request.Path.Contains("/send", StringComparison.OrdinalIgnoreCase))
        {
            // A send without a raw message cannot be checked; Gmail would refuse it too.
            throw new MailApiFormatException("Gmail send body has no 'raw' message");
        }

        return MailEnvelope.RecipientsOnly(recipients);
    }

    private static bool CollectRaw(JsonElement element, List<MailRecipient> into)
    {
        var found = false;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.Equals("raw", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                {
                    MailParsing.AddMimeRecipients(MailParsing.DecodeBase64Any(property.Value.GetString()!, "raw"), "MIME", into);
                    found = true;
                }
                else
                {
                    found |= CollectRaw(property.Value, into);
                }
            }
        }

        return found;
    }
}
