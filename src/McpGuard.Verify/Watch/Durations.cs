using System.Globalization;
using McpGuard.Core;

namespace McpGuard.Verify.Watch;

/// <summary>Durations as people type them: 90s, 15m, 2h, 7d (or a bare number of seconds, or hh:mm:ss).</summary>
public static class Durations
{
    public static TimeSpan Parse(string text, string option)
    {
        var t = text.Trim();
        if (t.Length > 0 && char.IsLetter(t[^1])
            && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && double.IsFinite(n))
        {
            var unit = char.ToLowerInvariant(t[^1]) switch { 's' => 1.0, 'm' => 60.0, 'h' => 3600.0, 'd' => 86400.0, 'w' => 604800.0, _ => -1 };
            if (unit > 0 && n * unit < TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return TimeSpan.FromSeconds(n * unit);
            }
        }
        else if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        else if (t.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new UserInputException($"{option} '{text}' is not a duration (examples: 30s, 15m, 2h, 7d).");
    }
}
