using System.Text.RegularExpressions;

namespace McpGuard.Runtime.Policy;

/// <summary>Tool-name globs: '*' any run of characters, '?' one character; everything else literal, case-sensitive.</summary>
internal static class Glob
{
    public static bool IsMatch(string glob, string name)
    {
        if (!glob.Contains('*', StringComparison.Ordinal) && !glob.Contains('?', StringComparison.Ordinal))
        {
            return string.Equals(glob, name, StringComparison.Ordinal);
        }

        var pattern = "^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(name, pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100));
    }

    public static bool AnyMatch(IEnumerable<string> globs, string name) => globs.Any(g => IsMatch(g, name));
}
