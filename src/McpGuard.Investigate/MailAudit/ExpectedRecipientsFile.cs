using McpGuard.Core;
using McpGuard.Core.IO;

namespace McpGuard.Investigate.MailAudit;

/// <summary>The --expected file: one address per line; blank lines and '#' comments are ignored.</summary>
public static class ExpectedRecipientsFile
{
    /// <summary>Thousands of addresses are well under 1 MiB; 16 MiB stops a wrong file from being read whole.</summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    public static IReadOnlyList<string> Read(string path)
    {
        var lines = InputFile.ReadAllText(path, MaxFileBytes, "--expected").ReplaceLineEndings("\n").Split('\n');

        var result = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var text = (hash >= 0 ? line[..hash] : line).Trim();
            if (text.Length > 0)
            {
                result.Add(MailAddresses.Normalize(text) ?? throw new UserInputException($"--expected {path}:{i + 1}: not an email address (the line is not shown: a wrong file could hold a secret)."));
            }
        }

        return result;
    }
}
