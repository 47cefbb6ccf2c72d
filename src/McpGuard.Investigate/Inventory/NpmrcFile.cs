namespace McpGuard.Investigate.Inventory;

/// <summary>The few keys of a user .npmrc the inventory needs (prefix, cache). An unreadable file reads as empty.</summary>
internal sealed class NpmrcFile
{
    private readonly Dictionary<string, string> _values;

    private NpmrcFile(Dictionary<string, string> values) => _values = values;

    public string? Get(string key) => _values.TryGetValue(key, out var v) ? v : null;

    public static NpmrcFile Read(string path, string home)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines;
        try
        {
            lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Fail open: without the file, the default prefixes are still searched.
            lines = [];
        }

        foreach (var raw in lines)
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] is ';' or '#' || eq <= 0)
            {
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim().Trim('"');
            if (key is "prefix" or "cache" && value.Length > 0)
            {
                values[key] = Expand(value, home);
            }
        }

        return new NpmrcFile(values);
    }

    // npm expands ~ and ${HOME}; other ${VAR}s are left alone (the inventory does not guess the user's environment).
    private static string Expand(string value, string home)
    {
        value = value.Replace("${HOME}", home, StringComparison.Ordinal);
        return value == "~" ? home : value.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, value[2..]) : value;
    }
}
