namespace McpGuard.Investigate.MailAudit;

/// <summary>How a recipient was addressed, as far as the source can tell.</summary>
internal enum RecipientRole
{
    To,
    Cc,
    Bcc,

    /// <summary>In the envelope (delivered to) but in none of the To/Cc/Bcc headers the source shows: a hidden copy.</summary>
    Extra,

    /// <summary>The source logs deliveries without headers (Postfix, Exim, SendGrid), so the role cannot be told.</summary>
    Unknown,
}

/// <summary>One recipient of one message; the address is lower-case and trimmed.</summary>
internal readonly record struct MailRecipient(string Address, RecipientRole Role);

/// <summary>
/// One sent message as a source saw it: identity, time, subject and recipients. Never a body: mail-audit reports
/// who received copies, and a body would put the leaked content into the report.
/// </summary>
internal sealed record MailRecord
{
    public string? MessageId { get; init; }
    public DateTimeOffset? Date { get; init; }
    public string? Subject { get; init; }
    public required IReadOnlyList<MailRecipient> Recipients { get; init; }
}
