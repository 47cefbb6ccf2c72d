namespace McpGuard.Runtime.Egress;

/// <summary>An allowed-host entry: an exact name or <c>*.suffix</c> (subdomains only; list the apex separately).</summary>
internal static class HostPattern
{
    public static bool IsValid(string pattern)
    {
        var name = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        return name.Length is > 0 and <= 253
            && Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4
            && !name.Contains('*', StringComparison.Ordinal);
    }

    public static bool Matches(string pattern, string host)
    {
        host = Normalize(host);
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = pattern[1..];
            return host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    public static bool AnyMatches(IReadOnlyList<string> patterns, string host)
    {
        foreach (var pattern in patterns)
        {
            if (Matches(pattern, host))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower case without a trailing dot, so "API.postmarkapp.com." cannot dodge an exact rule.</summary>
    public static string Normalize(string host) => host.TrimEnd('.').ToLowerInvariant();
}
