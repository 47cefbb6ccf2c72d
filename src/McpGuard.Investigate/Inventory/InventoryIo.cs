using McpGuard.Core.Reports;

namespace McpGuard.Investigate.Inventory;

/// <summary>Folder listing that turns "cannot read this folder" into a diagnostic instead of ending the inventory.</summary>
internal static class InventoryIo
{
    /// <summary>Subfolders of <paramref name="path"/>, sorted; empty when it does not exist.</summary>
    public static IReadOnlyList<string> ListDirectories(string path, List<Diagnostic> problems)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                return [];
            }

            var list = Directory.GetDirectories(path);
            Array.Sort(list, StringComparer.Ordinal);
            return list;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Fail open for this folder only: one unreadable folder must not hide what the rest of the disk holds,
            // and the diagnostic tells the user what was not looked at.
            problems.Add(new Diagnostic(path, null, $"folder not inventoried: {ex.Message}"));
            return [];
        }
    }
}
