using System.Text.Json;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// A JSON mail API whose recipients sit in named fields (at any depth, names matched ignoring case): the shape
/// shared by Postmark, SendGrid, Resend and Microsoft Graph. Subclasses only name the host and the fields.
/// </summary>
internal abstract class JsonRecipientFieldsProfile(string name, string host, params string[] fields) : IMailApiProfile
{
    public string Name => name;

    public virtual bool Matches(EgressRequest request) =>
        request.Host == host && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    /// <summary>The field names that hold the sender (for example "From"); none by default.</summary>
    protected virtual IReadOnlyCollection<string> SenderFields => [];

    public virtual MailEnvelope Read(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, fields, recipients);
        return new MailEnvelope(recipients, Senders(document.RootElement, SenderFields));
    }

    /// <summary>The addresses in <paramref name="senderFields"/>; an unreadable one is left out.</summary>
    private static IReadOnlyList<string> Senders(JsonElement root, IReadOnlyCollection<string> senderFields)
    {
        var senders = new List<MailRecipient>();
        if (senderFields.Count > 0)
        {
            try
            {
                MailParsing.CollectJsonRecipients(root, senderFields, senders);
            }
            catch (MailApiFormatException)
            {
                // An unreadable From only means the generic rule sees the address too: it flags, it never passes anything.
            }
        }

        return [.. senders.Select(s => s.Address)];
    }
}
