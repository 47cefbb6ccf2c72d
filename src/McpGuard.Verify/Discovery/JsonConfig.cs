using System.Text.Json;

namespace McpGuard.Verify.Discovery;

/// <summary>
/// Shared JSON reading for client configs: strict JSON or JSONC (comments and trailing commas, as VS Code-family
/// clients accept), duplicate keys rejected, and the standard server entry shape (command/args/env/url/headers).
/// </summary>
internal static class JsonConfig
{
    private static readonly JsonDocumentOptions s_strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    private static readonly JsonDocumentOptions s_jsonc = new()
    {
        AllowDuplicateProperties = false,
        MaxDepth = 64,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses or records a diagnostic naming file and (1-based) line; null means "skip this file, go on".</summary>
    public static ParsedJson? Parse(string path, string text, bool jsonc, ConfigSink sink)
    {
        var options = jsonc ? s_jsonc : s_strict;
        try
        {
            var doc = JsonDocument.Parse(text, options);
            var lines = JsonKeyLines.Build(text, new JsonReaderOptions
            {
                CommentHandling = options.CommentHandling,
                AllowTrailingCommas = options.AllowTrailingCommas,
                MaxDepth = options.MaxDepth,
            });
            return new ParsedJson(doc, lines);
        }
        catch (JsonException ex)
        {
            // JsonException.LineNumber is 0-based; people and editors count from 1.
            var line = ex.LineNumber is long l ? (int)l + 1 : (int?)null;
            var why = FirstSentence(ex.Message);
            var hint = !jsonc && (why.Contains("'/'", StringComparison.Ordinal) || why.Contains("comma", StringComparison.OrdinalIgnoreCase))
                ? " (this client does not accept comments or trailing commas either)"
                : "";
            sink.Problem(path, line, $"not valid JSON, so its servers were not checked: {why}{hint}");
            return null;
        }
    }

    /// <summary>Reads every property of <paramref name="servers"/> (found at key path <paramref name="at"/>) as one server entry.</summary>
    public static void ReadServers(JsonElement servers, ConfigCandidate file, JsonKeyLines lines, ConfigSink sink, params string[] at)
    {
        if (servers.ValueKind != JsonValueKind.Object)
        {
            sink.Problem(file.Path, lines.Line(at), "the servers entry is not an object; its servers were not checked");
            return;
        }

        foreach (var p in servers.EnumerateObject())
        {
            var line = lines.Line([.. at, p.Name]);
            if (p.Value.ValueKind != JsonValueKind.Object)
            {
                sink.Problem(file.Path, line, $"server '{p.Name}' is not an object; it was not checked");
                continue;
            }

            sink.Servers.Add(ReadServer(p.Name, p.Value, file, line));
        }
    }

    public static DiscoveredServer ReadServer(string name, JsonElement e, ConfigCandidate file, int? line) => new()
    {
        Client = file.Client,
        ConfigPath = file.Path,
        ProjectPath = file.ProjectPath,
        Name = name,
        Line = line,
        Command = Str(e, "command"),
        Args = e.TryGetProperty("args", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray()
            : [],
        // Windsurf calls it serverUrl, Gemini CLI httpUrl; the rest url.
        Url = Str(e, "url") ?? Str(e, "serverUrl") ?? Str(e, "httpUrl"),
        Transport = Str(e, "type") ?? Str(e, "transport"),
        WorkingDirectory = Str(e, "cwd"),
        Env = Map(e, "env"),
        Headers = Map(e, "headers"),
    };

    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Dictionary<string, string> Map(JsonElement e, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in o.EnumerateObject())
            {
                map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return map;
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " LineNumber: n | BytePositionInLine: m." and " Path: $..."; the line is reported separately.
        foreach (var marker in new[] { " LineNumber:", " Path:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message.Trim();
    }
}

/// <summary>A parsed config and the lines of its keys; dispose to return the document's pooled memory.</summary>
internal sealed record ParsedJson(JsonDocument Document, JsonKeyLines Lines) : IDisposable
{
    public JsonElement Root => Document.RootElement;

    public void Dispose() => Document.Dispose();
}
