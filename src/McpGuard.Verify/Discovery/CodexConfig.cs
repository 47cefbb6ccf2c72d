using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace McpGuard.Verify.Discovery;

/// <summary>OpenAI Codex CLI: ~/.codex/config.toml (or $CODEX_HOME/config.toml), tables <c>[mcp_servers.NAME]</c>.</summary>
internal sealed class CodexConfig : IMcpClientConfig
{
    public string Client => "codex";

    public IEnumerable<ConfigCandidate> UserConfigs(DiscoveryOptions options)
    {
        yield return new(Client, Path.Combine(options.Home, ".codex", "config.toml"));

        // CODEX_HOME belongs to the running user; with --home it would point outside the audited folder.
        if (!options.HomeOverridden && options.Environment("CODEX_HOME") is { Length: > 0 } codexHome)
        {
            yield return new(Client, Path.Combine(codexHome, "config.toml"));
        }
    }

    public IEnumerable<ConfigCandidate> ProjectConfigs(string projectFolder) => [];

    public void Read(ConfigCandidate file, string text, ConfigSink sink)
    {
        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize(text, CodexTomlContext.Default.TomlTable) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            sink.Problem(file.Path, ex.Line, $"not valid TOML, so its servers were not checked: {TomlErrorText.Describe(ex.Message)}");
            return;
        }

        if (!model.TryGetValue("mcp_servers", out var serversObj) || serversObj is not TomlTable servers)
        {
            return;
        }

        foreach (var (name, value) in servers)
        {
            var line = FindTableLine(text, name);
            if (value is not TomlTable t)
            {
                sink.Problem(file.Path, line, $"mcp_servers.{name} is not a table; it was not checked");
                continue;
            }

            var headers = Map(t, "http_headers");
            if (t.TryGetValue("bearer_token", out var bearer) && bearer is string)
            {
                headers["bearer_token"] = (string)bearer;
            }

            sink.Servers.Add(new DiscoveredServer
            {
                Client = file.Client,
                ConfigPath = file.Path,
                ProjectPath = file.ProjectPath,
                Name = name,
                Line = line,
                Command = t.TryGetValue("command", out var c) ? c as string : null,
                Args = t.TryGetValue("args", out var a) && a is TomlArray arr ? arr.Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray() : [],
                Url = t.TryGetValue("url", out var u) ? u as string : null,
                WorkingDirectory = t.TryGetValue("cwd", out var cwd) ? cwd as string : null,
                Env = Map(t, "env"),
                Headers = headers,
            });
        }
    }

    private static Dictionary<string, string> Map(TomlTable t, string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (t.TryGetValue(key, out var o) && o is TomlTable table)
        {
            foreach (var (k, v) in table)
            {
                map[k] = Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        return map;
    }

    // The model keeps no positions; the table header is easy to find in the text for a line number.
    private static int? FindTableLine(string text, string name)
    {
        var pattern = @"^[ \t]*\[[ \t]*mcp_servers\s*\.\s*(?:" + Regex.Escape(name) + "|\"" + Regex.Escape(name) + "\"|'" + Regex.Escape(name) + @"')[ \t]*\]";
        var m = Regex.Match(text, pattern, RegexOptions.Multiline);
        return m.Success ? text.AsSpan(0, m.Index).Count('\n') + 1 : null;
    }
}

/// <summary>A TOML parser message made fit to print: its first line, with the text it quotes from the file left out.</summary>
internal static partial class TomlErrorText
{
    /// <summary>
    /// Tomlyn quotes the offending token in backticks ("Unexpected token `ghpABCDEF` for a value"); in a config that is
    /// often an unquoted token or password, so the quote becomes "`…`" and the line number says where to look.
    /// </summary>
    public static string Describe(string message) => QuotedText().Replace(message.Split('\n')[0].Trim(), "`…`");

    [System.Text.RegularExpressions.GeneratedRegex("`[^`]*`")]
    private static partial System.Text.RegularExpressions.Regex QuotedText();
}

/// <summary>Source-generated TOML metadata for the untyped model: the reflection path does not survive Native AOT.</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class CodexTomlContext : TomlSerializerContext;
