namespace McpGuard.Verify.Packages;

/// <summary>A registry package reference: name (scoped or not) and an optional version or dist-tag.</summary>
public sealed record PackageSpec(string Name, string? Version)
{
    public static bool TryParse(string text, out PackageSpec spec)
    {
        spec = new PackageSpec("", null);
        if (string.IsNullOrWhiteSpace(text) || text.Contains(' ', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        var at = text.LastIndexOf('@');
        string name;
        string? version = null;
        if (at > 0)
        {
            name = text[..at];
            version = text[(at + 1)..];
        }
        else
        {
            name = text;
        }

        var bare = name.StartsWith('@') ? name[1..] : name;
        var parts = bare.Split('/');
        if (parts.Length > (name.StartsWith('@') ? 2 : 1) || (name.StartsWith('@') && parts.Length != 2) || parts.Any(p => p.Length == 0 || p.StartsWith('.')))
        {
            return false;
        }

        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or '/' or '~') || version is "")
        {
            return false;
        }

        spec = new PackageSpec(name, version);
        return true;
    }

    public override string ToString() => Version is null ? Name : $"{Name}@{Version}";
}
