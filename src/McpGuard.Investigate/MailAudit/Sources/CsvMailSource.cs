using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using McpGuard.Core;
using McpGuard.Core.Secrets;

namespace McpGuard.Investigate.MailAudit.Sources;

/// <summary>
/// Any CSV export with a header row (a provider's activity export, a spreadsheet): columns are taken from --csv-map,
/// or guessed from common header names. A row is a message; when an id column is mapped, rows with the same id
/// (per-recipient exports) are folded into one message. Addresses in a cell may be separated by ',' or ';'.
/// </summary>
internal sealed class CsvMailSource : IMailSource
{
    public string Name => "csv";

    public string Description => "CSV with a header row; columns from --csv-map or guessed from the header names";

    public bool Detect(MailSourceProbe probe) => !probe.IsDirectory && probe.Extension is ".csv" or ".tsv";

    public async IAsyncEnumerable<MailRecord> ReadAsync(string path, MailReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            DetectSeparatorHint = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,

            // A short or garbled row is read as far as it goes; rows without recipients are skipped and reported below.
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MalformedData = CsvMalformedDataHandling.Recover,

            // Cell values can be addresses and subjects: they must not reach an exception message.
            IncludeValuesInExceptions = false,
        };
        using var csv = CsvReader.Create(new StreamReader(InputFiles.OpenSequential(path)), options, false);
        Columns? columns = null;
        MessageGrouper? grouper = null;
        while (await csv.ReadAsync(cancellationToken))
        {
            if (columns is null)
            {
                var header = csv.Headers?.ToArray() ?? [];
                if (header.Length == 0)
                {
                    throw new UserInputException($"--input {path}: the CSV has no header row.");
                }

                var map = context.CsvMap ?? Guess(header)
                    ?? throw new UserInputException($"--input {path}: no recipient column recognised in the header ({ShownHeader(header)}); give --csv-map to=COLUMN,bcc=COLUMN,...");
                columns = Resolve(map, header, path);
                grouper = columns.Id >= 0 ? new MessageGrouper() : null;
            }

            {
                cancellationToken.ThrowIfCancellationRequested();
                var row = csv.LineNumber;
                var list = new List<MailRecipient>(4);
                MailAddresses.AddAll(list, Field(csv, columns.To), RecipientRole.To);
                MailAddresses.AddAll(list, Field(csv, columns.Cc), RecipientRole.Cc);
                MailAddresses.AddAll(list, Field(csv, columns.Bcc), RecipientRole.Bcc);
                MailAddresses.AddAll(list, Field(csv, columns.Recipient), RecipientRole.Unknown);
                if (list.Count == 0)
                {
                    context.Skip(path, row, "row has no recipient address; skipped");
                    continue;
                }

                var date = MailDates.Parse(Field(csv, columns.Date));
                var subject = Field(csv, columns.Subject);
                var id = Field(csv, columns.Id);
                if (grouper is null || string.IsNullOrEmpty(id))
                {
                    yield return new MailRecord { MessageId = id, Date = date, Subject = subject, Recipients = MailAddresses.Merge(list, null) };
                    continue;
                }

                foreach (var r in list)
                {
                    if (grouper.Add(id, r.Address, r.Role, date, subject) is { } done)
                    {
                        yield return done;
                    }
                }
            }

        }

        if (columns is null)
        {
            throw new UserInputException($"--input {path}: the CSV has no rows.");
        }

        if (grouper is not null)
        {
            foreach (var r in grouper.Flush())
            {
                yield return r;
            }
        }
    }

    private static string? Field(CsvReader csv, int index) => index >= 0 && index < csv.FieldCount ? csv.GetStringOrNull(index) : null;

    private sealed record Columns(int To, int Cc, int Bcc, int Subject, int Date, int Id, int Recipient);

    private static Columns Resolve(CsvColumnMap map, string[] header, string path)
    {
        int Index(string? name, string key)
        {
            if (name is null)
            {
                return -1;
            }

            var i = Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : throw new UserInputException($"--csv-map {key}={name}: {path} has no column '{name}' (columns: {string.Join(", ", header)}).");
        }

        return new Columns(Index(map.To, "to"), Index(map.Cc, "cc"), Index(map.Bcc, "bcc"), Index(map.Subject, "subject"), Index(map.Date, "date"), Index(map.Id, "id"), Index(map.Recipient, "recipient"));
    }

    /// <summary>Common header names of provider exports; null when no recipient column is recognised.</summary>
    private static CsvColumnMap? Guess(string[] header)
    {
        string? Find(params string[] names) =>
            header.FirstOrDefault(h => names.Any(n => string.Equals(Squash(h), n, StringComparison.Ordinal)));

        var map = new CsvColumnMap(
            To: Find("to", "toaddress", "toaddresses"),
            Cc: Find("cc", "ccaddresses"),
            Bcc: Find("bcc", "bccaddresses"),
            Subject: Find("subject"),
            Date: Find("date", "timestamp", "sentat", "receivedat", "time", "datetime"),
            Id: Find("messageid", "id", "msgid"),
            Recipient: Find("recipient", "recipients", "email", "rcpt", "destination"));
        return map.To is null && map.Cc is null && map.Bcc is null && map.Recipient is null ? null : map;
    }

    private static string Squash(string h) => new([.. h.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    /// <summary>
    /// The header as it may be printed: a file that is not a CSV export at all (a .env, a key file) has its first line
    /// here, so a cell that does not look like a column name, or looks like a secret, is left out.
    /// </summary>
    internal static string ShownHeader(IReadOnlyList<string> header) =>
        string.Join(", ", header.Select(h =>
            h.Length <= 40 && h.All(c => char.IsLetterOrDigit(c) || c is ' ' or '_' or '-' or '.') && SecretDetector.Default.Find(h).Count == 0
                ? h
                : "<not shown>"));
}
