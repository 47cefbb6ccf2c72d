using System.Text.Json.Nodes;
using NuGet.Versioning;

namespace McpGuard.Verify.Diff;

/// <summary>
/// The small subset of npm ranges --deep needs to pick a dependency version: exact, ^x.y.z, ~x.y.z, x, x.y,
/// and anything else falls back to the "latest" dist-tag (reported in the finding, so the choice is visible).
/// </summary>
internal static class NpmRange
{
    public static string? Resolve(string range, JsonObject packument)
    {
        var versions = (packument["versions"] as JsonObject)?.Select(kv => kv.Key)
            .Select(v => NuGetVersion.TryParse(v, out var parsed) ? parsed : null)
            .Where(v => v is not null && !v.IsPrerelease)
            .Cast<NuGetVersion>()
            .ToList() ?? [];
        var text = range.Trim();
        if (NuGetVersion.TryParse(text.TrimStart('='), out var exact))
        {
            return exact.OriginalVersion;
        }

        var caret = text.StartsWith('^');
        var tilde = text.StartsWith('~');
        var core = text.TrimStart('^', '~').Replace(".x", "", StringComparison.Ordinal);
        var parts = core.Split('.');
        if (!int.TryParse(parts[0], out var major))
        {
            return null;
        }

        var minor = parts.Length > 1 && int.TryParse(parts[1], out var mi) ? mi : (int?)null;
        var floor = NuGetVersion.TryParse(core, out var f) ? f : null;
        var match = versions
            .Where(v => v.Major == major && (floor is null || v >= floor))
            .Where(v => !(tilde || (!caret && parts.Length == 2)) || minor is null || v.Minor == minor)
            .Where(v => !(caret && major == 0 && minor is not null) || v.Minor == minor)
            .Max();
        return match?.OriginalVersion;
    }
}
