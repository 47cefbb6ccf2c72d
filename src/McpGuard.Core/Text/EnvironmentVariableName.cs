namespace McpGuard.Core.Text;

/// <summary>What a shell (and <c>mcpguard run --pass-env</c>) can name as an environment variable.</summary>
public static class EnvironmentVariableName
{
    /// <summary>A POSIX environment variable name: ASCII letters, digits and underscore, no leading digit.</summary>
    public static bool IsValid(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
