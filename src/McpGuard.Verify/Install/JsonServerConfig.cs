using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Verify.Install;

/// <summary>
/// A JSON (or JSONC: VS Code's settings.json, ~/.claude.json) client config opened for editing. The parsed model
/// decides which entries exist and what they launch; a change is spliced into the original UTF-8 bytes at the spans
/// of the entry's <c>command</c> and <c>args</c> values only (<see cref="JsonEntryLocator"/>), so comments, key order,
/// indentation, line endings and every other key survive byte for byte. Array changes keep the untouched items' text
/// (<see cref="ArraySplice"/>): wrapping inserts items before the first one, unwrapping deletes them, pinning
/// replaces the one item, so undo restores the exact bytes. An entry without args gets <c>, "args": [...]</c> on the
/// command's line.
/// </summary>
internal sealed class JsonServerConfig : IServerConfigFile
{
    // Duplicate keys are refused (fail closed): clients disagree on which one wins, so either choice could wrap or pin
    // a launch other than the one the client starts, and the text would hold two spans for one value.
    private static readonly JsonDocumentOptions s_read = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    private static readonly JsonReaderOptions s_locate = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly JsonWriterOptions s_write = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // What goes between an entry's command value and the args array install adds to an entry without args.
    private const string ArgsInserted = ", \"args\": ";

    private readonly string _path;
    private readonly byte[] _utf8;
    private readonly JsonNode? _root;
    private readonly bool _includeProjects;
    private readonly List<TextEdit> _edits = [];

    private JsonServerConfig(string path, byte[] utf8, JsonNode? root, bool includeProjects) =>
        (_path, _utf8, _root, _includeProjects) = (path, utf8, root, includeProjects);

    /// <summary>The parsed file, or null (and a note naming the file and line) when it is not valid JSON.</summary>
    public static JsonServerConfig? Open(string path, string text, bool includeProjects, ICollection<string> notes)
    {
        try
        {
            // Offsets are found and spliced in the UTF-8 bytes and the result decoded once, so non-ASCII text before
            // a value cannot shift a splice (a char offset is not a byte offset).
            return new JsonServerConfig(path, Encoding.UTF8.GetBytes(text), JsonNode.Parse(text, documentOptions: s_read), includeProjects);
        }
        catch (JsonException ex)
        {
            // Fail closed: a file we cannot parse is never rewritten. A duplicate key has no line in the exception.
            notes.Add(ex.LineNumber is long line
                ? $"{path}:{line + 1}: not valid JSON, left unchanged"
                : $"{path}: not valid JSON ({FirstSentence(ex.Message)}), left unchanged");
            return null;
        }
    }

    public IEnumerable<EditableServer> Servers(ICollection<string> notes)
    {
        var entries = new List<(string Key, string Name, JsonObject Entry)>();
        foreach (var (mapKey, servers) in ServerMaps())
        {
            foreach (var (name, node) in servers)
            {
                // Remote servers have no process to launch.
                if (node is JsonObject entry && entry.ContainsKey("command"))
                {
                    entries.Add((JsonEntryLocator.Child(mapKey, name), name, entry));
                }
            }
        }

        if (entries.Count == 0)
        {
            yield break;
        }

        var locations = JsonEntryLocator.Locate(_utf8, s_locate, entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal));
        foreach (var (key, name, entry) in entries)
        {
            if (Launch(entry) is not { } launch)
            {
                notes.Add(ClientConfigEditor.NotPlainStrings(_path, name));
            }
            else if (locations.TryGetValue(key, out var at) && Matches(at, entry, launch))
            {
                yield return new EditableServer(name, launch, after => Apply(at, launch, after));
            }
            else
            {
                // Fail closed: the model and the text disagree about this entry, so there is no safe span to change.
                notes.Add($"{_path}: server '{name}' could not be located in the file's text; it was left unchanged");
            }
        }
    }

    public string Render()
    {
        var output = new ArrayBufferWriter<byte>(_utf8.Length + 256);
        var at = 0;
        foreach (var edit in _edits.OrderBy(e => e.Offset))
        {
            if (edit.Offset < at)
            {
                throw new InvalidOperationException("overlapping JSON config edits"); // a bug, never a partial write
            }

            output.Write(_utf8.AsSpan(at, edit.Offset - at));
            output.Write(Encoding.UTF8.GetBytes(edit.Text));
            at = edit.Offset + edit.Length;
        }

        output.Write(_utf8.AsSpan(at));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static bool Matches(JsonEntryLocation at, JsonObject entry, ServerLaunch launch) =>
        !at.Ambiguous
        && at.Command is not null
        && (entry.TryGetPropertyValue("args", out _)
            ? at.Args is not null && at.ArgItems.Count == launch.Args.Count
            : at.Args is null);

    private void Apply(JsonEntryLocation at, ServerLaunch before, ServerLaunch after)
    {
        var command = at.Command!.Value;
        if (after.Command != before.Command)
        {
            _edits.Add(new TextEdit(command.Start, command.End - command.Start, Quote(after.Command)));
        }

        if (at.Args is { } added && after.Args.Count == 0 && before.Args.Count > 0 && WrittenByAddArgs(command, added))
        {
            // Undo on an entry that had no args before install: the key sits exactly as install wrote it, so removing it
            // gives back the original bytes. Only a hand-written `"command": "x", "args": []` looks the same; it loses its
            // empty args key, which means the same launch.
            _edits.Add(new TextEdit(command.End, added.End - command.End, ""));
        }
        else if (at.Args is { } args)
        {
            _edits.AddRange(ArraySplice.Edits(at.ArgItems, args, before.Args, after.Args, Quote));
        }
        else if (after.Args.Count > 0)
        {
            // On the command's line, whatever the file's indentation; a comment after the command stays after it.
            _edits.Add(new TextEdit(command.End, 0, $"{ArgsInserted}{ArraySplice.OneLine(after.Args, Quote)}"));
        }
    }

    private bool WrittenByAddArgs((int Start, int End) command, (int Start, int End) args) =>
        args.Start > command.End && Encoding.UTF8.GetString(_utf8, command.End, args.Start - command.End) == ArgsInserted;

    // The same escaping the whole-file serializer used before: non-ASCII and HTML characters as they are.
    private static string Quote(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_write))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    private static ServerLaunch? Launch(JsonObject entry)
    {
        if (entry["command"] is not JsonValue cmd || cmd.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        var args = new List<string>();
        if (entry.TryGetPropertyValue("args", out var a) && a is not null)
        {
            if (a is not JsonArray array || array.Any(x => x is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            {
                return null;
            }

            args.AddRange(array.Select(x => x!.GetValue<string>()));
        }

        // Only the names of the env map matter (they become --pass-env options); values are never read.
        var envNames = entry["env"] is JsonObject env ? env.Select(kv => kv.Key).ToList() : [];
        var envFile = entry["envFile"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : null;
        return new ServerLaunch(cmd.GetValue<string>(), args) { EnvNames = envNames, EnvFile = envFile };
    }

    /// <summary>The servers maps this file's client reads, each with its path key (see <see cref="JsonEntryLocator.PathKey"/>).</summary>
    private IEnumerable<(string Key, JsonObject Map)> ServerMaps()
    {
        if (_root is not JsonObject o)
        {
            yield break;
        }

        var fileName = Path.GetFileName(_path);
        if (o["mcpServers"] is JsonObject a)
        {
            yield return (JsonEntryLocator.PathKey(["mcpServers"]), a);
        }

        if (fileName == "mcp.json" && o["servers"] is JsonObject b)
        {
            yield return (JsonEntryLocator.PathKey(["servers"]), b);
        }

        if (o["mcp.servers"] is JsonObject c)
        {
            yield return (JsonEntryLocator.PathKey(["mcp.servers"]), c);
        }

        if (o["mcp"] is JsonObject mcp && mcp["servers"] is JsonObject d)
        {
            yield return (JsonEntryLocator.PathKey(["mcp", "servers"]), d);
        }

        if (_includeProjects && fileName == ".claude.json" && o["projects"] is JsonObject projects)
        {
            foreach (var (project, value) in projects)
            {
                if (value is JsonObject entry && entry["mcpServers"] is JsonObject e)
                {
                    yield return (JsonEntryLocator.PathKey(["projects", project, "mcpServers"]), e);
                }
            }
        }
    }
}
