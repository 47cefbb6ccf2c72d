using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Tools;

namespace McpGuard.Verify.Analysis.ToolDescriptions;

/// <summary>How a piece of tool text is judged: names only for hidden characters, prose for every phrase rule.</summary>
internal enum SegmentKind
{
    /// <summary>A tool or property name: invisible characters and escapes only.</summary>
    Name,

    /// <summary>Description, title or a property's description: every rule.</summary>
    Prose,

    /// <summary>A default, enum, const or example value: instructions could hide there too.</summary>
    Value,
}

/// <summary>One piece of text from a tool definition, with the JSON-ish path a reviewer can find it by.</summary>
internal readonly record struct ToolTextSegment(string Field, string Text, SegmentKind Kind);

/// <summary>A schema property: its path, name and description (for the exfiltration-parameter rule).</summary>
internal readonly record struct SchemaProperty(string Path, string Name, string? Description);

/// <summary>Flattens a tool definition into the text segments the rules read, within <see cref="ToolScanLimits"/>.</summary>
internal static class ToolTextSegments
{
    // Schema keywords whose strings are vocabulary ("string", "uri", property names), not text for the model.
    private static readonly HashSet<string> StructuralKeys =
        ["type", "format", "$schema", "$ref", "$id", "$anchor", "required", "pattern", "contentEncoding", "contentMediaType"];

    public static (List<ToolTextSegment> Segments, List<SchemaProperty> Properties, bool Truncated) Collect(ToolDefinition tool, ToolScanLimits limits)
    {
        var segments = new List<ToolTextSegment> { new("name", tool.Name, SegmentKind.Name) };
        var properties = new List<SchemaProperty>();
        if (!string.IsNullOrEmpty(tool.Title))
        {
            segments.Add(new("title", tool.Title, SegmentKind.Prose));
        }

        if (!string.IsNullOrEmpty(tool.Description))
        {
            segments.Add(new("description", tool.Description, SegmentKind.Prose));
        }

        var truncated = false;
        if (tool.InputSchema is not null)
        {
            Walk(tool.InputSchema, "inputSchema", 0, segments, properties, limits, ref truncated);
        }

        return (segments, properties, truncated);
    }

    private static void Walk(JsonNode node, string path, int depth, List<ToolTextSegment> segments, List<SchemaProperty> properties, ToolScanLimits limits, ref bool truncated)
    {
        if (depth > limits.MaxSchemaDepth || segments.Count >= limits.MaxSegments)
        {
            // Fail visible: the caller reports that part of the schema went unread rather than passing it silently.
            truncated = true;
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (value is null || StructuralKeys.Contains(key))
                    {
                        continue;
                    }

                    var childPath = path + "." + key;
                    if (key is "properties" or "patternProperties" or "$defs" or "definitions" && value is JsonObject props)
                    {
                        foreach (var (name, schema) in props)
                        {
                            var propPath = $"{childPath}.{name}";
                            segments.Add(new(propPath, name, SegmentKind.Name));
                            var description = schema is JsonObject s && s["description"] is JsonValue d && d.TryGetValue<string>(out var text) ? text : null;
                            if (key == "properties")
                            {
                                properties.Add(new(propPath, name, description));
                            }

                            if (schema is not null)
                            {
                                Walk(schema, propPath, depth + 1, segments, properties, limits, ref truncated);
                            }
                        }

                        continue;
                    }

                    var kind = key is "description" or "title" or "$comment" ? SegmentKind.Prose : SegmentKind.Value;
                    Walk(value, childPath, depth + 1, segments, properties, limits, ref truncated, kind);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        Walk(item, $"{path}[{i}]", depth + 1, segments, properties, limits, ref truncated);
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                segments.Add(new(path, value.GetValue<string>(), SegmentKind.Value));
                break;
            default:
                break;
        }
    }

    private static void Walk(JsonNode node, string path, int depth, List<ToolTextSegment> segments, List<SchemaProperty> properties, ToolScanLimits limits, ref bool truncated, SegmentKind kind)
    {
        if (kind == SegmentKind.Prose && node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            if (segments.Count >= limits.MaxSegments)
            {
                truncated = true;
                return;
            }

            segments.Add(new(path, v.GetValue<string>(), SegmentKind.Prose));
            return;
        }

        Walk(node, path, depth, segments, properties, limits, ref truncated);
    }
}

/// <summary>Bounds on how much of one tool definition is read, so a hostile schema cannot exhaust memory or time.</summary>
public sealed record ToolScanLimits
{
    /// <summary>Real schemas nest a handful of levels; 64 leaves room for generated ones and stops recursion bombs.</summary>
    public int MaxSchemaDepth { get; init; } = 64;

    /// <summary>Large generated APIs reach a few thousand strings per tool; 20,000 bounds work per tool.</summary>
    public int MaxSegments { get; init; } = 20_000;

    /// <summary>Enough findings to act on; more from one tool only bury the first ones.</summary>
    public int MaxFindingsPerTool { get; init; } = 50;

    public static ToolScanLimits Default { get; } = new();
}
