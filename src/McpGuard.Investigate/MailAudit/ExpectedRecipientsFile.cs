using McpGuard.Core;

namespace McpGuard.Investigate.MailAudit;

/// <summary>The --expected file: one address per line; blank lines and '#' comments are ignored.</summary>
public static class ExpectedRecipientsFile
{
    public static IReadOnlyList<string> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot read --expected {path}: {ex.Message}", ex);
        }

        var result = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var text = (hash >= 0 ? line[..hash] : line).Trim();
            if (text.Length > 0)
            {
                result.Add(MailAddresses.Normalize(text) ?? throw new UserInputException($"--expected {path}:{i + 1}: '{text}' is not an email address."));
            }
        }

        return result;
    }
}
