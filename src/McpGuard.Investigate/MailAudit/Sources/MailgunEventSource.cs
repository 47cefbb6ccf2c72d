using System.Runtime.CompilerServices;
using System.Text.Json;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Mailgun events: the Events API response ({"items": [...], "paging": ...}), webhook posts ({"event-data": ...}),
/// or one event per line. Each event names one "recipient"; message.headers gives to and message-id, so a recipient
/// that is not in the To header is a hidden copy (Mailgun logs Cc and Bcc deliveries this way).
/// </summary>
internal sealed class MailgunEventSource : IMailSource
{
    public string Name => "mailgun";

    public string Description => "Mailgun events (Events API responses, webhook posts, JSON lines)";

    public bool Detect(MailSourceProbe probe) =>
        probe.Head.Contains("\"event-data\"", StringComparison.Ordinal)
        || (probe.Head.Contains("\"recipient\"", StringComparison.Ordinal) && probe.Head.Contains("\"message-id\"", StringComparison.Ordinal));

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var grouper = new MessageGrouper();
        await foreach (var (raw, line) in JsonRecordReader.ReadAsync(path, context, ["items"], cancellationToken))
        {
            var e = JsonRecordReader.TryObject(raw, "event-data", out var inner) ? inner : raw;
            var address = MailAddresses.Normalize(JsonRecordReader.String(e, "recipient"));
            JsonElement headers = default;
            var hasHeaders = JsonRecordReader.TryObject(e, "message", out var message) && JsonRecordReader.TryObject(message, "headers", out headers);
            var key = (hasHeaders ? JsonRecordReader.String(headers, "message-id") : null) ?? JsonRecordReader.String(e, "id");
            if (address is null || key is null)
            {
                context.Skip(path, line == 0 ? null : line, "not a Mailgun event (no recipient or message id); skipped");
                continue;
            }

            var role = RecipientRole.Unknown;
            string? subject = null;
            if (hasHeaders)
            {
                var to = new List<MailRecipient>(2);
                MailAddresses.AddAll(to, JsonRecordReader.String(headers, "to"), RecipientRole.To);
                MailAddresses.AddAll(to, JsonRecordReader.String(headers, "cc"), RecipientRole.Cc);
                role = RecipientRole.Extra;
                foreach (var r in to)
                {
                    if (r.Address == address)
                    {
                        role = r.Role;
                        break;
                    }
                }

                subject = JsonRecordReader.String(headers, "subject");
            }

            if (grouper.Add(key, address, role, MailDates.Parse(e, "timestamp"), subject) is { } done)
            {
                yield return done;
            }
        }

        foreach (var r in grouper.Flush())
        {
            yield return r;
        }
    }
}
