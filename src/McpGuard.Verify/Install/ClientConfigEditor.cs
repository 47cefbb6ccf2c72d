using System.Text;
using McpGuard.Core.IO;
using McpGuard.Core.Reports;
using McpGuard.Verify.Discovery;

namespace McpGuard.Verify.Install;

/// <summary>
/// Edits the server entries of MCP clients' configs, JSON and Codex's TOML alike (install wraps them, update and pin
/// set exact versions). For each file: parse, ask the caller's decision for each stdio server's launch, and only
/// when something changed, back the file up and write it atomically. A file that does not parse is never rewritten.
/// Both formats keep every byte outside the changed command and args values (comments, formatting, other keys), so
/// undo restores the original bytes.
/// </summary>
public static class ClientConfigEditor
{
    /// <summary>
    /// Applies <paramref name="edit"/> (server name, launch) to every stdio server entry of every file; it returns the
    /// launch to write and the action to report, or null for "unchanged". With <paramref name="dryRun"/> the changes
    /// are computed and reported but nothing is written. <paramref name="includeProjects"/> also visits Claude Code's
    /// per-project maps in ~/.claude.json ("projects".PATH."mcpServers").
    /// </summary>
    public static InstallResult Edit(IEnumerable<string> files, Func<string, ServerLaunch, LaunchEdit?> edit, TimeProvider time, bool dryRun = false, bool includeProjects = false) =>
        Edit(files, (name, launch, _) => edit(name, launch), time, dryRun, includeProjects);

    /// <summary>
    /// <see cref="Edit(IEnumerable{string}, Func{string, ServerLaunch, LaunchEdit?}, TimeProvider, bool, bool)"/> with a
    /// decision that can also leave notes about the server (changed or not); each is reported as
    /// <c>FILE: server 'NAME': NOTE</c>.
    /// </summary>
    public static InstallResult Edit(IEnumerable<string> files, Func<string, ServerLaunch, ICollection<string>, LaunchEdit?> edit, TimeProvider time, bool dryRun = false, bool includeProjects = false)
    {
        var changes = new List<InstallChange>();
        var backups = new List<string>();
        var notes = new List<string>();
        var unparsed = new List<string>();
        foreach (var path in files)
        {
            // InputFile: a named pipe at a config path is reported instead of waited on forever, and a config over
            // discovery's size limit is refused instead of read whole (a 200 MB file cost 1 GB).
            if (!InputFile.TryReadAllBytes(path, DiscoveryLimits.Default.MaxConfigBytes, out var bytes, out var problem))
            {
                notes.Add($"{path}: {problem}, left unchanged");
                unparsed.Add(path);
                continue;
            }

            var hasBom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
            var text = Encoding.UTF8.GetString(bytes.AsSpan(hasBom ? 3 : 0));
            IServerConfigFile? file = path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase)
                ? TomlServerConfig.Open(path, text, notes)
                : JsonServerConfig.Open(path, text, includeProjects, notes);
            if (file is null)
            {
                unparsed.Add(path);
                continue;
            }

            var fileChanges = new List<InstallChange>();
            foreach (var server in file.Servers(notes).ToList())
            {
                var serverNotes = new List<string>();
                if (edit(server.Name, server.Launch, serverNotes) is { } decided)
                {
                    server.Apply(decided.Launch);
                    fileChanges.Add(new InstallChange(path, server.Name, decided.Action));
                }

                notes.AddRange(serverNotes.Select(n => $"{path}: server '{server.Name}': {n}"));
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
            File.Copy(path, backup); // copies the file's mode too: a private config's backup stays private
            backups.Add(backup);

            // The text was read without its byte order mark; put it back so the file differs only in the changed values.
            // A symlinked config (dotfiles) is written where it points, so the link stays a link; the mode is kept so a
            // config holding tokens does not become readable to others.
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            AtomicFile.WriteAllText(target, (hasBom ? "\uFEFF" : "") + file.Render(), OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(target));
        }

        return new InstallResult(changes, backups, notes) { Unparsed = unparsed };
    }

    /// <summary>The note for an entry whose command or args are not plain strings (left unchanged, in every format).</summary>
    internal static string NotPlainStrings(string path, string server) =>
        $"{path}: server '{server}' has a command or args that are not plain strings; it was left unchanged";

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
}
