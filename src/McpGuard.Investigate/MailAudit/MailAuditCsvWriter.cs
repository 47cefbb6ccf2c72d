using System.Globalization;
using CsvHelper;
using McpGuard.Core.Findings;

namespace McpGuard.Investigate.MailAudit;

/// <summary>The CSV output: one row per suspicious recipient, for spreadsheets and ticket imports.</summary>
public static class MailAuditCsvWriter
{
    public static readonly string[] Header =
        ["address", "rule_id", "severity", "messages", "share", "first_seen", "last_seen", "bcc", "cc", "extra", "unknown", "to", "sample_subjects", "source"];

    public static string Write(MailAuditResult result)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions(), true))
        {
            csv.WriteHeader(Header);
            foreach (var r in result.Recipients)
            {
                csv.WriteRecord(
                [
                    r.Address,
                    r.RuleId,
                    r.Severity.ToName(),
                    r.Messages.ToString(CultureInfo.InvariantCulture),
                    r.Share.ToString("0.####", CultureInfo.InvariantCulture),
                    r.FirstSeen?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                    r.LastSeen?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                    Role(r, "bcc"),
                    Role(r, "cc"),
                    Role(r, "extra"),
                    Role(r, "unknown"),
                    Role(r, "to"),
                    Cell(string.Join(" | ", r.SampleSubjects)),
                    Cell(r.Source),
                ]);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Subjects come from whoever sent the mail: a leading =, +, - or @ would run as a formula in a spreadsheet,
    /// so such a cell is prefixed with an apostrophe (OWASP CSV injection advice).
    /// </summary>
    private static string Cell(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static string Role(SuspiciousRecipient r, string role) =>
        (r.Roles.TryGetValue(role, out var n) ? n : 0).ToString(CultureInfo.InvariantCulture);
}
