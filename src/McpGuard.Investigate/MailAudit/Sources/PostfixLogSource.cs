using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Postfix delivery logs (/var/log/mail.log, journalctl -u postfix output): lines of one queue id are grouped into a
/// message; every "to=&lt;...&gt;" is a recipient (role unknown: Postfix logs envelopes, not headers); "removed" ends
/// the message. A subject is known only when header_checks log it ("warning: header Subject: ...").
/// </summary>
internal sealed partial class PostfixLogSource(TimeProvider? timeProvider = null) : IMailSource
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public string Name => "postfix";

    public string Description => "Postfix mail logs (syslog or journal text)";

    public bool Detect(MailSourceProbe probe) => !probe.IsDirectory && PostfixLine().IsMatch(probe.Head);

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var grouper = new MessageGrouper();
        var now = _time.GetUtcNow();
        var postfixLines = 0L;
        await foreach (var (line, number) in LogLines.ReadAsync(path, context, cancellationToken))
        {
            var m = PostfixLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            postfixLines++;
            var queueId = m.Groups["qid"].Value;
            var rest = line.AsSpan(m.Index + m.Length);
            MailRecord? done = null;
            if (rest.StartsWith("to=<"))
            {
                var end = rest.IndexOf('>');
                if (end < 0)
                {
                    context.Skip(path, number, "to= without a closing '>'; line skipped");
                    continue;
                }

                var date = LogLines.ParseSyslogTime(line, now, out _);
                done = grouper.Add(queueId, MailAddresses.Normalize(rest[4..end].ToString()), RecipientRole.Unknown, date);
            }
            else if (rest.StartsWith("removed"))
            {
                done = grouper.Complete(queueId);
            }
            else if (rest.StartsWith("warning: header Subject: "))
            {
                var subject = rest["warning: header Subject: ".Length..];
                var from = subject.IndexOf(" from ");
                done = grouper.Describe(queueId, LogLines.ParseSyslogTime(line, now, out _), (from > 0 ? subject[..from] : subject).ToString());
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

        if (postfixLines == 0)
        {
            throw new McpGuard.Core.UserInputException($"--input {path}: no Postfix log lines found (expected 'postfix/...[pid]: QUEUEID: to=<...>').");
        }
    }

    /// <summary>"... postfix/smtp[123]: 4F9D8C0A1B: " or a named instance "postfix-out/qmgr[9]: ..." (long or short queue ids).</summary>
    [GeneratedRegex(@"\bpostfix(?:-[\w.-]+)?/[\w/-]+\[\d+\]: (?<qid>[0-9A-Za-z]{5,20}): ", RegexOptions.CultureInvariant)]
    private static partial Regex PostfixLine();
}
