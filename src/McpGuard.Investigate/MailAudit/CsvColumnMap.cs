using McpGuard.Core;

namespace McpGuard.Investigate.MailAudit;

/// <summary>
/// Which CSV column holds what (--csv-map to=To,cc=Cc,bcc=Bcc,subject=Subject,date=Sent,id=MessageId,recipient=Rcpt).
/// "recipient" is for per-delivery exports whose role is unknown.
/// </summary>
public sealed record CsvColumnMap(
    string? To = null,
    string? Cc = null,
    string? Bcc = null,
    string? Subject = null,
    string? Date = null,
    string? Id = null,
    string? Recipient = null)
{
    public static readonly string[] Keys = ["to", "cc", "bcc", "subject", "date", "id", "recipient"];

    public static CsvColumnMap Parse(string text)
    {
        var map = new CsvColumnMap();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new UserInputException($"--csv-map: '{pair}' is not key=column (keys: {string.Join(", ", Keys)}).");
            }

            var column = pair[(eq + 1)..].Trim();
            map = pair[..eq].Trim().ToLowerInvariant() switch
            {
                "to" => map with { To = column },
                "cc" => map with { Cc = column },
                "bcc" => map with { Bcc = column },
                "subject" => map with { Subject = column },
                "date" => map with { Date = column },
                "id" => map with { Id = column },
                "recipient" => map with { Recipient = column },
                var k => throw new UserInputException($"--csv-map: unknown key '{k}' (keys: {string.Join(", ", Keys)})."),
            };
        }

        if (map.To is null && map.Cc is null && map.Bcc is null && map.Recipient is null)
        {
            throw new UserInputException("--csv-map must name at least one recipient column (to, cc, bcc or recipient).");
        }

        return map;
    }
}
