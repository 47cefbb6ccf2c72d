using McpGuard.Core.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McpGuard.Core.Tools;

namespace McpGuard.Verify.Lock;

/// <summary>Hashes what a client sees of a tool: name, description and input schema (title too when present).</summary>
public static class ToolPin
{
    /// <summary>"sha256-" + base64 of SHA-256 over the canonical JSON of <see cref="ToDefinitionJson"/>.</summary>
    public static string Hash(ToolDefinition tool) =>
        "sha256-" + Convert.ToBase64String(SHA256.HashData(CanonicalJson.Serialize(ToDefinitionJson(tool))));

    /// <summary>The pinned view of a tool, also stored in the lock so that approve can show a readable diff.</summary>
    public static JsonObject ToDefinitionJson(ToolDefinition tool)
    {
        var obj = new JsonObject { ["name"] = tool.Name };
        if (tool.Title is not null)
        {
            obj["title"] = tool.Title;
        }

        obj["description"] = tool.Description;
        obj["inputSchema"] = tool.InputSchema?.DeepClone();
        return obj;
    }

    public static ToolDefinition FromDefinitionJson(JsonObject obj) => new(
        obj["name"]?.GetValue<string>() ?? "",
        obj["description"]?.GetValue<string>(),
        obj["inputSchema"]?.DeepClone(),
        obj["title"]?.GetValue<string>());
}
