using System.Text.Json;

namespace McpGuard.Investigate.MailAudit.Postmark;

/// <summary>
/// Maps Postmark's outbound message shape (search result entry or details, as the API returns it or as saved in an
/// export) to a record: To/Cc/Bcc arrays of {Email, Name}, plus "Recipients", the envelope; any envelope address
/// not in the headers is a hidden copy.
/// </summary>
internal static class PostmarkMessage
{
    public static MailRecord? Map(JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var headers = new List<MailRecipient>(4);
        JsonRecordReader.AddAddresses(headers, m, "To", RecipientRole.To);
        JsonRecordReader.AddAddresses(headers, m, "Cc", RecipientRole.Cc);
        JsonRecordReader.AddAddresses(headers, m, "Bcc", RecipientRole.Bcc);
        var recipients = MailAddresses.Merge(headers, JsonRecordReader.Strings(m, "Recipients"));
        if (recipients.Count == 0)
        {
            return null;
        }

        return new MailRecord
        {
            MessageId = JsonRecordReader.String(m, "MessageID"),
            Date = MailDates.Parse(m, "ReceivedAt") ?? MailDates.Parse(m, "SentAt"),
            Subject = JsonRecordReader.String(m, "Subject"),
            Recipients = recipients,
        };
    }

    /// <summary>True when the search entry does not show every envelope recipient's role, so details are worth fetching.</summary>
    public static bool NeedsDetails(JsonElement m)
    {
        if (!m.TryGetProperty("Bcc", out _))
        {
            return true;
        }

        var record = Map(m);
        return record is not null && record.Recipients.Any(r => r.Role == RecipientRole.Extra);
    }
}
