using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Core.Reports;

namespace McpGuard.Verify.Install;

/// <summary>
/// Edits the server entries of MCP clients' JSON configs (install wraps them, update and pin set exact versions).
/// For each file: parse, let the caller edit each entry, and only when something changed, back the file up and
/// write it atomically. A file that is not valid JSON is never rewritten. Comments in JSONC files are not preserved
/// (the backup keeps them).
/// </summary>
public static class ClientConfigEditor
{
    private static readonly JsonDocumentOptions s_read = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly JsonSerializerOptions s_write = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Applies <paramref name="edit"/> (server name, entry) to every server entry of every file; it changes the entry
    /// in place and returns the action to report, or null for "unchanged". With <paramref name="dryRun"/> the
    /// changes are computed and reported but nothing is written. <paramref name="includeProjects"/> also visits
    /// Claude Code's per-project maps in ~/.claude.json ("projects".PATH."mcpServers").
    /// </summary>
    public static InstallResult Edit(IEnumerable<string> files, Func<string, JsonObject, string?> edit, TimeProvider time, bool dryRun = false, bool includeProjects = false)
    {
        var changes = new List<InstallChange>();
        var backups = new List<string>();
        var notes = new List<string>();
        foreach (var path in files)
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path), documentOptions: s_read);
            }
            catch (JsonException ex)
            {
                // Fail closed: a file we cannot parse is never rewritten.
                notes.Add($"{path}:{(ex.LineNumber ?? 0) + 1}: not valid JSON, left unchanged");
                continue;
            }

            var fileChanges = new List<InstallChange>();
            foreach (var servers in ServerMaps(root, Path.GetFileName(path), includeProjects))
            {
                foreach (var (name, entry) in servers.ToList())
                {
                    if (entry is JsonObject e && edit(name, e) is { } action)
                    {
                        fileChanges.Add(new InstallChange(path, name, action));
                    }
                }
            }

            if (fileChanges.Count == 0)
            {
                continue;
            }

            changes.AddRange(fileChanges);
            if (dryRun)
            {
                continue;
            }

            var backup = BackupPath(path, time);
            File.Copy(path, backup);
            backups.Add(backup);
            AtomicFile.WriteAllText(path, root!.ToJsonString(s_write) + "\n");
        }

        return new InstallResult(changes, backups, notes);
    }

    // Never overwrite an earlier backup: two edits in the same second would otherwise lose the original file.
    private static string BackupPath(string path, TimeProvider time)
    {
        var stem = $"{path}.mcpguard-backup-{time.GetUtcNow():yyyyMMddHHmmss}";
        var candidate = stem;
        for (var i = 1; File.Exists(candidate); i++)
        {
            candidate = $"{stem}-{i}";
        }

        return candidate;
    }

    private static IEnumerable<JsonObject> ServerMaps(JsonNode? root, string fileName, bool includeProjects)
    {
        if (root is not JsonObject o)
        {
            yield break;
        }

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

        if (includeProjects && fileName == ".claude.json" && o["projects"] is JsonObject projects)
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
