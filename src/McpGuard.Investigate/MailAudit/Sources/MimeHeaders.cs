using MimeKit;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>The record of one parsed MIME message: To/Cc/Bcc headers (a Sent folder keeps Bcc), subject, date.</summary>
internal static class MimeHeaders
{
    public static MailRecord? Map(MimeMessage message)
    {
        var headers = new List<MailRecipient>(4);
        MailAddresses.AddAll(headers, message.To, RecipientRole.To);
        MailAddresses.AddAll(headers, message.Cc, RecipientRole.Cc);
        MailAddresses.AddAll(headers, message.Bcc, RecipientRole.Bcc);
        var recipients = MailAddresses.Merge(headers, envelope: null);
        if (recipients.Count == 0)
        {
            return null;
        }

        return new MailRecord
        {
            MessageId = message.MessageId,
            Date = message.Headers.Contains(HeaderId.Date) ? message.Date : null,
            Subject = message.Subject,
            Recipients = recipients,
        };
    }
}
