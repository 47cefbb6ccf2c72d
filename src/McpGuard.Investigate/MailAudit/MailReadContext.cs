using McpGuard.Core.Reports;

namespace McpGuard.Investigate.MailAudit;

/// <summary>
/// What a source reports besides records: parts it skipped (kept as diagnostics, the first few verbatim and the
/// rest counted, so that a file with a million bad lines does not make a million-line report) and progress.
/// </summary>
internal sealed class MailReadContext
{
    /// <summary>Verbatim diagnostics kept per run; further skips are only counted.</summary>
    private const int MaxDetailedDiagnostics = 20;

    private readonly List<Diagnostic> _diagnostics = [];
    private long _suppressed;

    public MailReadContext(CsvColumnMap? csvMap = null) => CsvMap = csvMap;

    /// <summary>The --csv-map columns, for the CSV source; null means "guess from the header row".</summary>
    public CsvColumnMap? CsvMap { get; }

    /// <summary>How many records, pages or messages were skipped.</summary>
    public long Skipped { get; private set; }

    /// <summary>Bytes consumed so far in the current file, for progress.</summary>
    public long BytesRead { get; set; }

    public void Skip(string file, long? line, string message, long count = 1)
    {
        Skipped += count;
        if (_diagnostics.Count < MaxDetailedDiagnostics)
        {
            _diagnostics.Add(new Diagnostic(file, line is null ? null : (int)Math.Min(line.Value, int.MaxValue), message));
        }
        else
        {
            _suppressed++;
        }
    }

    /// <summary>A note that is not a skip (e.g. "Postmark offers only the first 10,000 messages per window").</summary>
    public void Note(string file, string message)
    {
        if (_diagnostics.Count < MaxDetailedDiagnostics)
        {
            _diagnostics.Add(new Diagnostic(file, null, message));
        }
    }

    public IReadOnlyList<Diagnostic> Diagnostics =>
        _suppressed == 0
            ? _diagnostics
            : [.. _diagnostics, new Diagnostic("mail-audit", null, $"{_suppressed} more skipped records are not listed one by one")];
}
