using System.Runtime.CompilerServices;
using System.Text.Json;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Amazon SES event publishing and notification records: raw events ("eventType"/"notificationType" with a "mail"
/// object; Firehose writes one per line), and SNS notifications that carry the event as a JSON string in "Message".
/// mail.destination is the envelope; commonHeaders to/cc/bcc give roles, so an envelope address in no header is a
/// hidden copy. Several events (Send, Delivery, Open...) describe one message: only the first per messageId counts.
/// </summary>
internal sealed class SesEventSource : IMailSource
{
    /// <summary>Message ids remembered for de-duplication: ~100 bytes each, so ~200 MB at worst on a huge stream.</summary>
    private const int MaxRememberedIds = 2_000_000;

    public string Name => "ses";

    public string Description => "Amazon SES events (SNS notifications, Firehose/S3 JSON lines, event arrays)";

    public bool Detect(MailSourceProbe probe) =>
        probe.Head.Contains("\"mail\"", StringComparison.Ordinal)
            && (probe.Head.Contains("\"eventType\"", StringComparison.Ordinal) || probe.Head.Contains("\"notificationType\"", StringComparison.Ordinal))
        || (probe.Head.Contains("\"TopicArn\"", StringComparison.Ordinal) && probe.Head.Contains("\\\"mail\\\"", StringComparison.Ordinal));

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (raw, line) in JsonRecordReader.ReadAsync(path, context, ["Records", "events"], cancellationToken))
        {
            JsonDocument? unwrapped = null;
            var e = raw;
            if (JsonRecordReader.String(raw, "Type") == "Notification" && JsonRecordReader.String(raw, "Message") is { } inner)
            {
                try
                {
                    unwrapped = JsonDocument.Parse(inner);
                    e = unwrapped.RootElement;
                }
                catch (JsonException ex)
                {
                    context.Skip(path, line == 0 ? null : line, $"SNS notification whose Message is not JSON skipped: {ex.Message}");
                    continue;
                }
            }

            MailRecord? record;
            using (unwrapped)
            {
                // Later events of a message (Delivery, Open...) repeat its mail object: skip them before mapping.
                var id = JsonRecordReader.TryObject(e, "mail", out var mail) ? JsonRecordReader.String(mail, "messageId") : null;
                if (id is not null)
                {
                    if (seen.Count >= MaxRememberedIds)
                    {
                        // Bounded memory beats exact de-duplication: a repeat after this only inflates a count.
                        seen.Clear();
                    }

                    if (!seen.Add(id))
                    {
                        continue;
                    }
                }

                record = Map(e);
            }

            if (record is null)
            {
                context.Skip(path, line == 0 ? null : line, "not an SES event (no mail.destination); skipped");
                continue;
            }

            yield return record;
        }
    }

    private static MailRecord? Map(JsonElement e)
    {
        if (!JsonRecordReader.TryObject(e, "mail", out var mail))
        {
            return null;
        }

        var headers = new List<MailRecipient>(4);
        string? subject = null;
        if (JsonRecordReader.TryObject(mail, "commonHeaders", out var common))
        {
            JsonRecordReader.AddAddresses(headers, common, "to", RecipientRole.To);
            JsonRecordReader.AddAddresses(headers, common, "cc", RecipientRole.Cc);
            JsonRecordReader.AddAddresses(headers, common, "bcc", RecipientRole.Bcc);
            subject = JsonRecordReader.String(common, "subject");
        }

        var recipients = MailAddresses.Merge(headers, JsonRecordReader.Strings(mail, "destination"));
        if (recipients.Count == 0)
        {
            return null;
        }

        return new MailRecord
        {
            MessageId = JsonRecordReader.String(mail, "messageId"),
            Date = MailDates.Parse(mail, "timestamp"),
            Subject = subject,
            Recipients = recipients,
        };
    }
}
