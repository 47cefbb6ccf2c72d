using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.Core.Reports;

namespace McpGuard.Verify.Lock;

/// <summary>Reads and writes mcpguard.lock.json. Reading is strict: a malformed lock is an error, never "no pins".</summary>
public static class LockFileSerializer
{
    private static readonly JsonDocumentOptions s_options = new()
    {
        AllowDuplicateProperties = false,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 128,
    };

    /// <summary>Loads the lock; a missing or malformed file throws <see cref="UserInputException"/> naming the file.</summary>
    public static LockFile Load(string path) =>
        Parse(InputFile.ReadAllText(path, MaxFileBytes, "lock file"), path);

    /// <summary>A lock of hundreds of servers with their tool hashes is well under 1 MiB; 64 MiB stops a wrong file.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    public static LockFile Parse(string text, string path)
    {
        try
        {
            var root = JsonNode.Parse(text, documentOptions: s_options) as JsonObject
                ?? throw new FormatException("the top level must be an object");
            var version = root["version"]?.GetValue<int>() ?? throw new FormatException("\"version\" is missing");
            if (version != LockFile.CurrentVersion)
            {
                throw new FormatException($"version {version} is not supported (this McpGuard reads version {LockFile.CurrentVersion})");
            }

            var servers = new Dictionary<string, LockedServer>(StringComparer.Ordinal);
            if (root["servers"] is JsonObject serversNode)
            {
                foreach (var (name, node) in serversNode)
                {
                    servers[name] = ParseServer(name, node as JsonObject ?? throw new FormatException($"servers.{name} must be an object"));
                }
            }
            else if (root["servers"] is not null)
            {
                throw new FormatException("\"servers\" must be an object");
            }

            return new LockFile { Version = version, Servers = servers };
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"lock file {path} is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new UserInputException($"lock file {path} is malformed: {ex.Message}", ex);
        }
    }

    private static LockedServer ParseServer(string name, JsonObject node)
    {
        var command = node["command"]?.GetValue<string>() ?? throw new FormatException($"servers.{name}.command is missing");
        var args = (node["args"] as JsonArray)?.Select(a => a?.GetValue<string>() ?? "").ToList() ?? [];
        LockedPackage? package = null;
        if (node["package"] is JsonObject p)
        {
            package = new LockedPackage(
                p["name"]?.GetValue<string>() ?? throw new FormatException($"servers.{name}.package.name is missing"),
                p["version"]?.GetValue<string>() ?? throw new FormatException($"servers.{name}.package.version is missing"),
                p["integrity"]?.GetValue<string>());
        }

        var tools = new Dictionary<string, LockedTool>(StringComparer.Ordinal);
        if (node["tools"] is JsonObject toolsNode)
        {
            foreach (var (toolName, toolNode) in toolsNode)
            {
                var hash = toolNode?["hash"]?.GetValue<string>() ?? throw new FormatException($"servers.{name}.tools.{toolName}.hash is missing");
                if (!hash.StartsWith("sha256-", StringComparison.Ordinal))
                {
                    throw new FormatException($"servers.{name}.tools.{toolName}.hash must start with sha256-");
                }

                var definition = toolNode["definition"] as JsonObject ?? new JsonObject { ["name"] = toolName };
                tools[toolName] = new LockedTool(hash, (JsonObject)definition.DeepClone());
            }
        }

        return new LockedServer { Command = command, Args = args, Package = package, Tools = tools };
    }

    public static string Serialize(LockFile lockFile)
    {
        var servers = new JsonObject();
        foreach (var (name, server) in lockFile.Servers.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var tools = new JsonObject();
            foreach (var (toolName, tool) in server.Tools.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                tools[toolName] = new JsonObject { ["hash"] = tool.Hash, ["definition"] = tool.Definition.DeepClone() };
            }

            var obj = new JsonObject
            {
                ["command"] = server.Command,
                ["args"] = new JsonArray([.. server.Args.Select(a => (JsonNode?)JsonValue.Create(a))]),
            };
            if (server.Package is { } p)
            {
                obj["package"] = new JsonObject { ["name"] = p.Name, ["version"] = p.Version, ["integrity"] = p.Integrity };
            }

            obj["tools"] = tools;
            servers[name] = obj;
        }

        var root = new JsonObject { ["version"] = lockFile.Version, ["servers"] = servers };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static void Save(LockFile lockFile, string path)
    {
        try
        {
            AtomicFile.WriteAllText(path, Serialize(lockFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // --lock naming a folder, or a path under a file: one line, not an unhandled exception (exit 134).
            throw new UserInputException($"cannot write lock file {path}: {ex.Message}", ex);
        }
    }
}
