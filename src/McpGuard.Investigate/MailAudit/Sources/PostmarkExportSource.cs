using System.Runtime.CompilerServices;
using McpGuard.Investigate.MailAudit.Postmark;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Postmark messages saved to a file: the outbound search response ({"TotalCount", "Messages": [...]}, one page or
/// several concatenated), an array of messages or message details, or one message per line.
/// </summary>
internal sealed class PostmarkExportSource : IMailSource
{
    public string Name => "postmark";

    public string Description => "Postmark outbound messages (API responses saved as JSON, arrays or JSON lines)";

    public bool Detect(MailSourceProbe probe) =>
        probe.Head.Contains("\"MessageID\"", StringComparison.Ordinal)
        && (probe.Head.Contains("\"Recipients\"", StringComparison.Ordinal) || probe.Head.Contains("\"ReceivedAt\"", StringComparison.Ordinal));

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (e, line) in JsonRecordReader.ReadAsync(path, context, ["Messages"], cancellationToken))
        {
            if (PostmarkMessage.Map(e) is { } record)
            {
                yield return record;
            }
            else if (!e.TryGetProperty("TotalCount", out _))
            {
                context.Skip(path, line == 0 ? null : line, "not a Postmark message (no To/Recipients); skipped");
            }
        }
    }
}
