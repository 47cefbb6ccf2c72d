using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpGuard.Verify.Install;

/// <summary>
/// A JSON (or JSONC) client config opened for editing. It is re-serialized as a whole, so comments in JSONC files
/// are not preserved (the backup keeps them).
/// </summary>
internal sealed class JsonServerConfig : IServerConfigFile
{
    private static readonly JsonDocumentOptions s_read = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly JsonSerializerOptions s_write = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly string _path;
    private readonly JsonNode? _root;
    private readonly bool _includeProjects;

    private JsonServerConfig(string path, JsonNode? root, bool includeProjects) => (_path, _root, _includeProjects) = (path, root, includeProjects);

    /// <summary>The parsed file, or null (and a note naming the file and line) when it is not valid JSON.</summary>
    public static JsonServerConfig? Open(string path, string text, bool includeProjects, ICollection<string> notes)
    {
        try
        {
            return new JsonServerConfig(path, JsonNode.Parse(text, documentOptions: s_read), includeProjects);
        }
        catch (JsonException ex)
        {
            // Fail closed: a file we cannot parse is never rewritten.
            notes.Add($"{path}:{(ex.LineNumber ?? 0) + 1}: not valid JSON, left unchanged");
            return null;
        }
    }

    public IEnumerable<EditableServer> Servers(ICollection<string> notes)
    {
        foreach (var servers in ServerMaps())
        {
            foreach (var (name, node) in servers.ToList())
            {
                if (node is not JsonObject entry || !entry.ContainsKey("command"))
                {
                    continue; // remote servers have no process to launch
                }

                if (Launch(entry) is { } launch)
                {
                    yield return new EditableServer(name, launch, after =>
                    {
                        entry["command"] = after.Command;
                        entry["args"] = new JsonArray([.. after.Args.Select(a => (JsonNode?)JsonValue.Create(a))]);
                    });
                }
                else
                {
                    notes.Add(ClientConfigEditor.NotPlainStrings(_path, name));
                }
            }
        }
    }

    public string Render() => _root!.ToJsonString(s_write) + "\n";

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

    private IEnumerable<JsonObject> ServerMaps()
    {
        if (_root is not JsonObject o)
        {
            yield break;
        }

        var fileName = Path.GetFileName(_path);
        if (o["mcpServers"] is JsonObject a)
        {
            yield return a;
        }

        if (fileName == "mcp.json" && o["servers"] is JsonObject b)
        {
            yield return b;
        }

        if (o["mcp.servers"] is JsonObject c)
        {
            yield return c;
        }

        if (o["mcp"] is JsonObject mcp && mcp["servers"] is JsonObject d)
        {
            yield return d;
        }

        if (_includeProjects && fileName == ".claude.json" && o["projects"] is JsonObject projects)
        {
            foreach (var (_, project) in projects)
            {
                if (project?["mcpServers"] is JsonObject e)
                {
                    yield return e;
                }
            }
        }
    }
}
