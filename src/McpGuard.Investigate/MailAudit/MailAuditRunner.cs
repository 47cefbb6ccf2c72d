using McpGuard.Core;
using McpGuard.Investigate.MailAudit.Postmark;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Progress of a running audit, for a status line: messages so far and, for files, bytes read.</summary>
public readonly record struct MailAuditProgress(long Messages, long BytesRead, long TotalBytes);

/// <summary>
/// The entry points of mail-audit: audit one file (format detected or forced) or a Postmark server live.
/// Both stream; memory grows with the number of suspicious recipients, not with the size of the log.
/// </summary>
public static class MailAuditRunner
{
    /// <summary>Formats accepted by <c>--input-format</c>.</summary>
    public static IEnumerable<string> FormatNames => MailSources.Names;

    /// <summary>Audits a log, export or mail file.</summary>
    /// <param name="format">A <see cref="FormatNames"/> name, or null to detect it from the content and extension.</param>
    /// <exception cref="UserInputException">The file is missing, unreadable or not in the format (names the file).</exception>
    public static async Task<MailAuditResult> AuditFileAsync(
        string path,
        string? format,
        MailAuditOptions options,
        CsvColumnMap? csvMap = null,
        DateTimeOffset? since = null,
        DateTimeOffset? until = null,
        IProgress<MailAuditProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        MailAuditOptionsValidator.ThrowIfInvalid(options);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new UserInputException($"--input {path}: no such file or folder.");
        }

        var source = format is null ? MailSources.Detect(path) : MailSources.Get(format);
        var total = File.Exists(path) ? new FileInfo(path).Length : 0;
        var context = new MailReadContext(csvMap);
        var auditor = new MailAuditor(options, source.Name, path);
        await foreach (var record in source.ReadAsync(path, context, cancellationToken))
        {
            Observe(auditor, record, since, until, context, total, progress);
        }

        return auditor.Complete(context);
    }

    /// <summary>Audits a Postmark server's outbound messages through its API.</summary>
    /// <param name="token">The Server API token; it is sent only in the X-Postmark-Server-Token header and never appears in results or errors.</param>
    /// <exception cref="UserInputException">The token was rejected, or the API could not be read at all.</exception>
    public static async Task<MailAuditResult> AuditPostmarkAsync(
        string token,
        PostmarkApiOptions api,
        MailAuditOptions options,
        IProgress<MailAuditProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        MailAuditOptionsValidator.ThrowIfInvalid(options);
        using var source = new PostmarkApiSource(token, api);
        var context = new MailReadContext();
        var auditor = new MailAuditor(options, "postmark-api", source.Describe);
        await foreach (var record in source.ReadAsync(context, cancellationToken))
        {
            // The API applies --since/--until itself; the runner must not filter twice on a different clock.
            Observe(auditor, record, null, null, context, 0, progress);
        }

        return auditor.Complete(context);
    }

    private static void Observe(MailAuditor auditor, MailRecord record, DateTimeOffset? since, DateTimeOffset? until, MailReadContext context, long total, IProgress<MailAuditProgress>? progress)
    {
        // Undated records are kept: a log without dates must not look clean because of a date filter.
        if (record.Date is { } d && ((since is { } s && d < s) || (until is { } u && d > u)))
        {
            return;
        }

        auditor.Observe(record);
        if (progress is not null && (auditor.Messages & 0x0FFF) == 0)
        {
            progress.Report(new MailAuditProgress(auditor.Messages, context.BytesRead, total));
        }
    }
}
