using MimeKit;
using MimeKit.Utils;

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

    /// <summary>
    /// The same record from a raw header block (mbox headers-only reading): addresses are parsed by MimeKit from the
    /// raw bytes, as <see cref="MimeMessage"/> does, without building a message per mbox entry.
    /// </summary>
    public static MailRecord? Map(IReadOnlyList<Header> block)
    {
        var headers = new List<MailRecipient>(4);
        string? subject = null, messageId = null;
        DateTimeOffset? date = null;
        foreach (var h in block)
        {
            switch (h.Id)
            {
                case HeaderId.To:
                    AddAll(headers, h, RecipientRole.To);
                    break;
                case HeaderId.Cc:
                    AddAll(headers, h, RecipientRole.Cc);
                    break;
                case HeaderId.Bcc:
                    AddAll(headers, h, RecipientRole.Bcc);
                    break;
                case HeaderId.Subject:
                    subject ??= h.Value;
                    break;
                case HeaderId.Date when date is null && DateUtils.TryParse(h.RawValue, out var d):
                    date = d;
                    break;
                case HeaderId.MessageId:
                    messageId ??= MimeUtils.ParseMessageId(h.RawValue, 0, h.RawValue.Length) ?? h.Value.Trim();
                    break;
                default:
                    break;
            }
        }

        var recipients = MailAddresses.Merge(headers, envelope: null);
        return recipients.Count == 0 ? null : new MailRecord { MessageId = messageId, Date = date, Subject = subject, Recipients = recipients };
    }

    private static void AddAll(List<MailRecipient> into, Header header, RecipientRole role)
    {
        if (InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var list))
        {
            MailAddresses.AddAll(into, list, role);
        }
        else
        {
            // Not RFC 5322: the lenient text path still finds what looks like addresses, so nothing is silently dropped.
            MailAddresses.AddAll(into, header.Value, role);
        }
    }
}
