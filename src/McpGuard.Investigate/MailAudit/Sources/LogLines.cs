using System.Globalization;
using System.Runtime.CompilerServices;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>Line reading and syslog timestamps shared by the MTA log sources.</summary>
internal static class LogLines
{
    public static async IAsyncEnumerable<(string Line, long Number)> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (var stream = InputFiles.OpenSequential(path))
        {
            using var reader = new StreamReader(stream);
            long n = 0;
            // Synchronous reads: a local file behind a 64 KB buffer; per-line async state machines cost ~15% here.
            while (reader.ReadLine() is { } line)
            {
                cancellationToken.ThrowIfCancellationRequested();
                n++;
                if ((n & 0x3FFF) == 0)
                {
                    context.BytesRead = stream.Position;
                }

                yield return (line, n);
            }
        }
    }

    /// <summary>
    /// RFC 3339 ("2026-11-23T10:00:01.123456+00:00") or classic syslog ("Nov 23 10:00:01", no year: the year of
    /// <paramref name="now"/> is assumed, and last year when that would put the line in the future).
    /// </summary>
    public static DateTimeOffset? ParseSyslogTime(ReadOnlySpan<char> line, DateTimeOffset now, out int consumed)
    {
        consumed = 0;
        var space = line.IndexOf(' ');
        if (space > 0 && line[0] is >= '0' and <= '9'
            && DateTimeOffset.TryParse(line[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso))
        {
            consumed = space + 1;
            return iso;
        }

        if (line.Length >= 16 && line[3] == ' ' && line[15] == ' '
            && DateTime.TryParseExact(line[..15].ToString().Replace("  ", " 0", StringComparison.Ordinal), "MMM dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var classic))
        {
            consumed = 16;
            var withYear = new DateTimeOffset(now.Year, classic.Month, classic.Day, classic.Hour, classic.Minute, classic.Second, TimeSpan.Zero);
            return withYear > now.AddDays(1) ? withYear.AddYears(-1) : withYear;
        }

        return null;
    }
}
