using System.Runtime.CompilerServices;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// SendGrid Event Webhook payloads (arrays of events, as posted or saved) and JSON-lines exports. Each event names
/// one recipient ("email"); events of one message share its smtp-id (or the sg_message_id part before ".filter"),
/// so they are grouped by that. SendGrid events carry no To/Cc/Bcc, so roles are unknown.
/// </summary>
internal sealed class SendGridEventSource : IMailSource
{
    public string Name => "sendgrid";

    public string Description => "SendGrid event webhook payloads and exports (JSON arrays or lines)";

    public bool Detect(MailSourceProbe probe) =>
        probe.Head.Contains("\"sg_event_id\"", StringComparison.Ordinal) || probe.Head.Contains("\"sg_message_id\"", StringComparison.Ordinal);

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var grouper = new MessageGrouper();
        await foreach (var (e, line) in JsonRecordReader.ReadAsync(path, context, [], cancellationToken))
        {
            var address = MailAddresses.Normalize(JsonRecordReader.String(e, "email"));
            var key = MessageKey(e);
            if (address is null || key is null)
            {
                context.Skip(path, line == 0 ? null : line, "not a SendGrid event (no email or message id); skipped");
                continue;
            }

            if (grouper.Add(key, address, RecipientRole.Unknown, MailDates.Parse(e, "timestamp"), JsonRecordReader.String(e, "subject")) is { } done)
            {
                yield return done;
            }
        }

        foreach (var r in grouper.Flush())
        {
            yield return r;
        }
    }

    private static string? MessageKey(System.Text.Json.JsonElement e)
    {
        if (JsonRecordReader.String(e, "smtp-id") is { Length: > 0 } smtp)
        {
            return smtp;
        }

        var sg = JsonRecordReader.String(e, "sg_message_id");
        if (sg is null)
        {
            return null;
        }

        var filter = sg.IndexOf(".filter", StringComparison.Ordinal);
        return filter > 0 ? sg[..filter] : sg;
    }
}
