using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Exim main logs: "&lt;=" is a message's arrival (with T="subject" when log_selector has +subject), "=&gt;" a
/// delivery, "-&gt;" another recipient of the same delivery, "**"/"==" failed or deferred ones (recipients all the
/// same), "Completed" the end. Roles are unknown: Exim logs envelopes.
/// </summary>
internal sealed partial class EximLogSource : IMailSource
{
    public string Name => "exim";

    public string Description => "Exim main logs (mainlog)";

    public bool Detect(MailSourceProbe probe) => !probe.IsDirectory && EximLine().IsMatch(probe.Head);

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var grouper = new MessageGrouper();
        var eximLines = 0L;
        await foreach (var (line, _) in LogLines.ReadAsync(path, context, cancellationToken))
        {
            var m = EximLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            eximLines++;
            var id = m.Groups["id"].Value;
            var flag = m.Groups["flag"].Value;
            var rest = m.Groups["rest"].Value;
            var date = DateTimeOffset.TryParse(m.Groups["date"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : (DateTimeOffset?)null;
            MailRecord? done;
            switch (flag)
            {
                case "<=":
                    var subject = SubjectField().Match(rest);
                    done = grouper.Describe(id, date, subject.Success ? subject.Groups["s"].Value.Replace("\\\"", "\"", StringComparison.Ordinal) : null);
                    break;
                case "Completed":
                    done = grouper.Complete(id);
                    break;
                default:
                    // "=> bob@example.org <bob@alias.example> R=..." : the first word is the address delivered to.
                    var space = rest.IndexOf(' ', StringComparison.Ordinal);
                    var address = MailAddresses.Normalize(space > 0 ? rest[..space] : rest);
                    done = address is null ? null : grouper.Add(id, address, RecipientRole.Unknown, date);
                    break;
            }

            if (done is not null)
            {
                yield return done;
            }
        }

        foreach (var r in grouper.Flush())
        {
            yield return r;
        }

        if (eximLines == 0)
        {
            throw new McpGuard.Core.UserInputException($"--input {path}: no Exim log lines found (expected 'DATE TIME ID <= / => ...').");
        }
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?) (?:\[\d+\] )?(?<id>[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (?<flag><=|=>|->|\*>|\*\*|==|Completed)(?: (?<rest>.*))?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex EximLine();

    [GeneratedRegex(@"\bT=""(?<s>(?:[^""\\]|\\.)*)""", RegexOptions.CultureInvariant)]
    private static partial Regex SubjectField();
}
