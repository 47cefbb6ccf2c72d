using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace McpGuard.Runtime.Proxy;

/// <summary>One step into a JSON result: an object member or an array item (to name and replace flagged text).</summary>
internal readonly record struct StructuredPath(string? Name, int Index)
{
    public static StructuredPath Member(string name) => new(name, -1);

    public static StructuredPath Item(int index) => new(null, index);

    public JsonNode Get(JsonNode parent) => (Name is not null ? parent[Name] : parent[Index])
        ?? throw new InvalidOperationException("path no longer exists in the copied result");

    public void Set(JsonNode parent, JsonNode value)
    {
        if (Name is not null)
        {
            parent[Name] = value;
        }
        else
        {
            parent[Index] = value;
        }
    }

    /// <summary>content[1], structuredContent.items[0].title: how the audit log and warnings name the place.</summary>
    public static string Format(IEnumerable<StructuredPath> path)
    {
        var text = new StringBuilder();
        foreach (var step in path)
        {
            if (step.Name is null)
            {
                text.Append('[').Append(step.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                text.Append(text.Length == 0 ? "" : ".").Append(step.Name);
            }
        }

        return text.ToString();
    }
}
