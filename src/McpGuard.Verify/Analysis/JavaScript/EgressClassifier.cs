using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace McpGuard.Verify.Analysis.JavaScript;

/// <summary>
/// Finds URLs, emails and IPs in constant strings and classifies them. Service and TLD lists follow GuardDog's
/// shady-links / threat-network-exfiltration rules (DataDog/guarddog, Apache-2.0); unlike GuardDog, the TLD list
/// also applies to email domains, which is what catches phan@giftshop.club.
/// </summary>
internal static partial class EgressClassifier
{
    private static readonly string[] s_exfilHosts =
    [
        // shorteners
        "bit.ly", "tinyurl.com", "is.gd", "cutt.ly", "rb.gy", "shorturl.at",
        // tunnels and collectors
        "ngrok.io", "ngrok-free.app", "ngrok-free.dev", "ngrok.app", "trycloudflare.com", "webhook.site", "oastify.com",
        "burpcollaborator.net", "pipedream.net", "dnslog.cn", "beeceptor.com", "requestbin.com", "requestbin.net",
        "requestcatcher.com", "interact.sh", "oast.fun", "oast.pro", "oast.live", "canarytokens.com", "serveo.net",
        "localtunnel.me", "loca.lt", "pagekite.me", "hookbin.com", "webhook.cool", "mockbin.org",
        // paste and file drops
        "transfer.sh", "pastebin.com", "hastebin.com", "paste.ee", "rentry.co", "ghostbin.com", "file.io", "anonfiles.com",
        "gofile.io", "0x0.st", "temp.sh", "termbin.com",
        // messenger bot APIs
        "api.telegram.org",
        // ip lookup (reconnaissance before exfiltration)
        "ipinfo.io", "ipify.org", "ifconfig.me", "icanhazip.com", "ip-api.com", "checkip.amazonaws.com", "myexternalip.com",
        "ipecho.net", "wtfismyip.com",
    ];

    private static readonly HashSet<string> s_suspiciousTlds =
    [
        "link", "xyz", "tk", "ml", "ga", "cf", "gq", "pw", "top", "club", "mw", "bd", "ke", "am", "sbs", "date", "quest",
        "cd", "bid", "ws", "icu", "cam", "uno", "email", "stream", "zip",
    ];

    private static readonly char[] s_urlTrailers = ['.', ',', ')', ';', '\'', '"'];

    public enum EgressKind { Url, Email, Host, Ip }

    public sealed record Egress(EgressKind Kind, string Value, string Host, string? Threat);

    public static IEnumerable<Egress> Extract(string text)
    {
        if (text.Length < 4 || text.Length > 4096)
        {
            yield break;
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            foreach (Match m in UrlPattern().Matches(text))
            {
                var url = m.Value.TrimEnd(s_urlTrailers);
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                {
                    continue;
                }

                var host = uri.Host.Trim('[', ']').ToLowerInvariant();
                if (IsLocal(host))
                {
                    continue;
                }

                yield return new Egress(EgressKind.Url, url, host, ClassifyHost(host, uri.AbsolutePath));
            }
        }

        if (text.Contains('@', StringComparison.Ordinal))
        {
            foreach (Match m in EmailPattern().Matches(text))
            {
                var email = m.Value.ToLowerInvariant();
                var host = email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..];
                if (host.Contains("..", StringComparison.Ordinal) || !host.Contains('.', StringComparison.Ordinal) || LooksLikeFile(host))
                {
                    continue;
                }

                yield return new Egress(EgressKind.Email, email, host, ClassifyHost(host, ""));
            }
        }
    }

    /// <summary>A bare hostname or IP given to a network call (host: '...', net.connect(port, '...')).</summary>
    public static Egress? ClassifyBareHost(string text)
    {
        var host = text.Trim().ToLowerInvariant();
        if (host.Length is < 4 or > 253 || IsLocal(host))
        {
            return null;
        }

        if (IPAddress.TryParse(host, out _))
        {
            return new Egress(EgressKind.Ip, host, host, ClassifyHost(host, ""));
        }

        return HostPattern().IsMatch(host) && !LooksLikeFile(host) ? new Egress(EgressKind.Host, host, host, ClassifyHost(host, "")) : null;
    }

    /// <summary>Why a host is suspicious, or null when it is not on any list.</summary>
    public static string? ClassifyHost(string host, string path)
    {
        if (IPAddress.TryParse(host, out var ip))
        {
            return IsPrivate(ip) ? null : "a raw public IP address";
        }

        foreach (var h in s_exfilHosts)
        {
            if (host == h || host.EndsWith("." + h, StringComparison.Ordinal))
            {
                return $"{h}, a paste, tunnel, webhook, shortener or IP-lookup service";
            }
        }

        if ((host is "discord.com" or "discordapp.com" or "canary.discord.com" or "ptb.discord.com")
            && path.StartsWith("/api/webhooks", StringComparison.OrdinalIgnoreCase))
        {
            return "a Discord webhook (a common exfiltration drop)";
        }

        var dot = host.LastIndexOf('.');
        var tld = dot >= 0 ? host[(dot + 1)..] : host;
        return s_suspiciousTlds.Contains(tld) ? $"the .{tld} top-level domain, mostly used for abuse" : null;
    }

    public static bool IsLocal(string host) =>
        host is "localhost" or "0.0.0.0" or "::1" or "127.0.0.1"
        || host.EndsWith(".localhost", StringComparison.Ordinal) || host.EndsWith(".local", StringComparison.Ordinal)
        || host.EndsWith(".example", StringComparison.Ordinal) || host.EndsWith(".test", StringComparison.Ordinal)
        || host.EndsWith(".invalid", StringComparison.Ordinal) || host is "example.com" or "example.org" or "example.net"
        || host.EndsWith(".example.com", StringComparison.Ordinal)
        || (IPAddress.TryParse(host, out var ip) && IsPrivate(ip));

    private static bool IsPrivate(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip))
        {
            return true;
        }

        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || ip.Equals(IPAddress.IPv6Any);
        }

        var b = ip.GetAddressBytes();
        return b[0] is 10 or 127 or 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
    }

    // Domains in strings such as "foo@bar.js" or "x.png" are file names, not hosts.
    private static bool LooksLikeFile(string host)
    {
        var dot = host.LastIndexOf('.');
        var ext = dot >= 0 ? host[(dot + 1)..] : "";
        return ext is "js" or "mjs" or "cjs" or "ts" or "json" or "md" or "html" or "css" or "png" or "jpg" or "svg" or "gif"
            or "txt" or "map" or "yml" or "yaml" or "lock" or "sh" or "exe" or "node" or "d" or "tsx" or "jsx" or "vue" or "wasm"
            or "zip" or "gz" or "tgz" or "log" or "db" or "sqlite" or "py" or "rb" or "go" or "rs" or "java" or "xml" or "csv" or "pdf";
    }

    [GeneratedRegex(@"\b(?:https?|wss?|ftp)://[^\s""'`<>\\{}|^]{1,400}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\b[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.){1,8}[A-Za-z]{2,24}\b", RegexOptions.CultureInvariant)]
    internal static partial Regex EmailPattern();

    [GeneratedRegex(@"^(?:[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?\.){1,8}[a-z]{2,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();
}
