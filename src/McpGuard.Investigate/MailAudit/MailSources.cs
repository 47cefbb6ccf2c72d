using McpGuard.Core;
using McpGuard.Investigate.MailAudit.Sources;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Every file format mail-audit reads, in detection order (most specific signatures first).</summary>
internal static class MailSources
{
    public static IReadOnlyList<IMailSource> All { get; } =
    [
        new MboxSource(),
        new EmlSource(),
        new PostfixLogSource(),
        new EximLogSource(),
        new SesEventSource(),
        new SendGridEventSource(),
        new MailgunEventSource(),
        new PostmarkExportSource(),
        new CsvMailSource(),
    ];

    public static IEnumerable<string> Names => All.Select(s => s.Name);

    public static IMailSource Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UserInputException($"--input-format must be one of {string.Join(", ", Names)} (got '{name}').");

    /// <summary>The source whose signature the input matches; a clear error naming the file when none does.</summary>
    public static IMailSource Detect(string path)
    {
        MailSourceProbe probe;
        try
        {
            probe = MailSourceProbe.For(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read --input {path}: {ex.Message}", ex);
        }

        return All.FirstOrDefault(s => s.Detect(probe))
            ?? throw new UserInputException(
                $"cannot tell the format of --input {path}; give --input-format ({string.Join(", ", Names)}).");
    }
}
