using McpGuard.Core.Findings;
using Spectre.Console;

namespace McpGuard.Core.Reports;

public enum ReportFormat
{
    Table,
    Json,
    Sarif,
}

/// <summary>Renders a report in the chosen format to stdout or to a file, written atomically.</summary>
public static class ReportRenderer
{
    public static readonly string[] FormatNames = ["table", "json", "sarif"];

    public static ReportFormat ParseFormat(string? name) => name?.ToLowerInvariant() switch
    {
        null or "table" => ReportFormat.Table,
        "json" => ReportFormat.Json,
        "sarif" => ReportFormat.Sarif,
        _ => throw new ArgumentException($"--format must be one of table, json, sarif (got '{name}')."),
    };

    public static string Render(Report report, ReportFormat format) => format switch
    {
        ReportFormat.Json => ReportJson.Serialize(report) + "\n",
        ReportFormat.Sarif => SarifReportWriter.Write(report) + "\n",
        _ => RenderTable(report, ansi: false),
    };

    public static string RenderTable(Report report, bool ansi)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 140;
        TableReportWriter.Write(report, console);
        return writer.ToString();
    }

    /// <summary>
    /// Writes to <paramref name="outputPath"/> through a temporary file and a rename, so a crash never leaves a
    /// half-written report where a CI job would read it; or to <paramref name="stdout"/> when no path is given.
    /// </summary>
    public static void Write(Report report, ReportFormat format, string? outputPath, TextWriter stdout, IAnsiConsole? console = null)
    {
        if (outputPath is null)
        {
            if (format == ReportFormat.Table && console is not null)
            {
                TableReportWriter.Write(report, console);
            }
            else
            {
                stdout.Write(Render(report, format));
            }

            return;
        }

        AtomicFile.WriteAllText(outputPath, Render(report, format));
    }

    /// <summary>0 when nothing is at or above <paramref name="failOn"/>, else 1 (DESIGN.md exit codes).</summary>
    public static int ExitCode(Report report, Severity failOn) =>
        report.Findings.Any(f => f.Severity >= failOn) ? ExitCodes.Findings : ExitCodes.Ok;
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Findings = 1;
    public const int UsageError = 2;
}

public static class AtomicFile
{
    /// <summary>
    /// Writes through a temporary file and a rename. <paramref name="unixMode"/> (ignored on Windows) is the new
    /// file's mode from its first byte on, so a private file (a client config with tokens) never becomes readable
    /// to others, not even for the moment between write and rename.
    /// </summary>
    public static void WriteAllText(string path, string contents, UnixFileMode? unixMode = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            if (unixMode is { } mode && !OperatingSystem.IsWindows())
            {
                // UnixCreateMode applies only to a new file (and under the umask): no stale temp file, and the exact mode after.
                File.Delete(tmp);
                using (var stream = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write(contents);
                }

                File.SetUnixFileMode(tmp, mode);
            }
            else
            {
                File.WriteAllText(tmp, contents);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            // No half-written temp file left beside the target (e.g. --output naming a folder, a full disk).
            DeleteQuietly(tmp);
            throw;
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The write's own error is the one to report; a temp file that cannot be removed either changes nothing.
        }
    }
}
