using McpGuard.Core.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Tools;
using McpGuard.Verify.Lock;

namespace McpGuard.Runtime.Pins;

/// <summary>What approve would change for one tool.</summary>
public sealed record ToolChange(string Tool, string Kind, string Diff);

/// <summary>Readable differences between the pinned tools of a server and what it offers now.</summary>
public static class PinDiff
{
    public static IReadOnlyList<ToolChange> Compare(LockedServer? locked, IReadOnlyList<ToolDefinition> current)
    {
        var changes = new List<ToolChange>();
        var pinned = locked?.Tools ?? new Dictionary<string, LockedTool>();
        foreach (var tool in current.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var now = ToolPin.ToDefinitionJson(tool);
            if (!pinned.TryGetValue(tool.Name, out var before))
            {
                changes.Add(new ToolChange(tool.Name, "added", Lines("+ ", Pretty(now))));
            }
            else if (before.Hash != ToolPin.Hash(tool))
            {
                changes.Add(new ToolChange(tool.Name, "changed", LineDiff(Pretty(before.Definition), Pretty(now))));
            }
        }

        foreach (var (name, before) in pinned.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!current.Any(t => t.Name == name))
            {
                changes.Add(new ToolChange(name, "removed", Lines("- ", Pretty(before.Definition))));
            }
        }

        return changes;
    }

    private static string[] Pretty(JsonObject definition)
    {
        // Canonical key order first, so a diff shows meaning changes, not key reordering.
        var canonical = JsonNode.Parse(CanonicalJson.SerializeToString(definition));
        return canonical!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Split('\n');
    }

    private static string Lines(string prefix, string[] lines) => string.Join('\n', lines.Select(l => prefix + l));

    /// <summary>Unified-style line diff (LCS); tool definitions are small, so O(n·m) is fine.</summary>
    private static string LineDiff(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var sb = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                sb.Append("  ").AppendLine(a[x]);
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                sb.Append("+ ").AppendLine(b[y++]);
            }
            else
            {
                sb.Append("- ").AppendLine(a[x++]);
            }
        }

        return sb.ToString().TrimEnd();
    }
}
