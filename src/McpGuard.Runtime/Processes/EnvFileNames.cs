using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.Core.Text;

namespace McpGuard.Runtime.Processes;

/// <summary>
/// The variable NAMES a dotenv file sets (VS Code's <c>envFile</c>), for <c>mcpguard run --pass-env-file</c>. Values
/// are never kept: the client (VS Code) already read the file and set those variables on the mcpguard process, so
/// run passes them on from its own environment exactly as <c>--pass-env NAME</c> does.
/// </summary>
/// <remarks>
/// The grammar is the one of the client that sets the variables (VS Code's <c>parseEnvFile</c>,
/// src/vs/base/common/envfile.ts), so the names found are the names VS Code set: one variable per line, lines trimmed,
/// blank lines and <c>#</c> comments skipped, an optional <c>export </c> prefix, the name ends at the first <c>=</c> or
/// <c>:</c> outside quotes (<c>"</c>, <c>'</c>, <c>`</c>), and a line without a separator sets nothing. General dotenv
/// libraries on NuGet (DotNetEnv, dotenv.net) follow other grammars (multi-line values, no <c>:</c> separator,
/// interpolation) and read the values, which this reader must not; so it is this small, tested reader instead.
/// </remarks>
public static class EnvFileNames
{
    /// <summary>A dotenv file is a few KiB; a bigger file is not one, and reading it whole would only cost memory.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>
    /// Reads the names from the file at <paramref name="path"/> (relative paths against
    /// <paramref name="workingDirectory"/>). A missing, unreadable or oversized file throws
    /// <see cref="UserInputException"/> naming the file (exit 2).
    /// </summary>
    public static EnvFileNamesResult Read(string path, string workingDirectory)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UserInputException("--pass-env-file needs a file path (it was empty)");
        }

        var full = Path.GetFullPath(path, workingDirectory);
        // Fail closed: a server started without the variables of its env file would run without its token (or with a
        // default it should not use), silently; VS Code itself refuses to start a server whose envFile it cannot read,
        // so run refuses too. A dotenv file bigger than the limit is not one.
        var text = InputFile.ReadAllText(full, MaxFileBytes, "--pass-env-file");
        return Parse(text);
    }

    /// <summary>The names <paramref name="text"/> sets, in file order without repeats, and the lines skipped.</summary>
    public static EnvFileNamesResult Parse(string text)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var invalid = new List<int>();
        // Only \r\n and \r are line breaks, as for VS Code (ReplaceLineEndings would also split at U+2028 and form feeds).
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (NameOf(lines[i]) is not { } name)
            {
                continue;
            }

            if (!EnvironmentVariableName.IsValid(name))
            {
                // Skipped, not fatal: VS Code accepts such a line (a continuation line of a multi-line value is one),
                // and neither a shell nor --pass-env can name it. Reported by line number only: the text could be a
                // piece of a secret value.
                invalid.Add(i + 1);
            }
            else if (seen.Add(name))
            {
                names.Add(name);
            }
        }

        return new EnvFileNamesResult(names, invalid);
    }

    /// <summary>The name the line sets, or null when it sets nothing (blank, comment, no separator, empty name).</summary>
    private static string? NameOf(string line)
    {
        line = line.Trim();
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        if (line.StartsWith("export ", StringComparison.Ordinal))
        {
            line = line[7..].TrimStart();
        }

        var separator = IndexOfSeparatorOutsideQuotes(line);
        if (separator < 0)
        {
            return null;
        }

        var name = line[..separator].Trim();
        return name.Length == 0 ? null : name;
    }

    // As VS Code's findIndexOutsideQuotes: a quote opens with " ' or `, closes on the same character unless escaped.
    private static int IndexOfSeparatorOutsideQuotes(string text)
    {
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == q && text[i - 1] != '\\')
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'' or '`')
            {
                quote = c;
            }
            else if (c is '=' or ':')
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>The names a dotenv file sets (file order, each once) and the 1-based lines whose name is not a valid variable name.</summary>
public sealed record EnvFileNamesResult(IReadOnlyList<string> Names, IReadOnlyList<int> InvalidNameLines);
