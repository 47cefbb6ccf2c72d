using System.Text.RegularExpressions;

namespace McpGuard.Verify.Scan;

/// <summary>
/// Decides whether a config value is a credential written in plain text, and hides credential values in
/// arguments and URLs before they are shown. Judges by the variable/header/flag name and by well-known token
/// shapes; a reference (${VAR}, ${env:VAR}, ${input:id}, $VAR, %VAR%) is never a plaintext credential.
/// </summary>
internal static partial class CredentialHeuristics
{
    public const string Mask = "***";

    [GeneratedRegex(@"(token|secret|passw(or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth|bearer|session|cookie|(^|[_-])pat($|[_-])|(^|[_-])key$|signing|webhook)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // Names that mention a secret but hold a location or a switch, not the secret itself.
    [GeneratedRegex(@"([_-](url|uri|host|domain|path|file|dir|endpoint|region|type|mode|method|enabled|disabled|header|name|id|issuer|scope|scopes|provider|env|var))$", RegexOptions.IgnoreCase)]
    private static partial Regex NotSecretSuffix();

    [GeneratedRegex(@"(ghp_|gho_|ghu_|ghs_|ghr_)[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-(ant-|proj-)?[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_-]{20}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+|-----BEGIN [A-Z ]*PRIVATE KEY-----|(pm|sg|re|key|sk|pk|rk)_(live|test)?_?[A-Za-z0-9]{24,}")]
    private static partial Regex TokenShape();

    [GeneratedRegex(@"^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$|\$\{[^}]+\}|\{\{[^}]+\}\}")]
    private static partial Regex Reference();

    // NAME=value inside an argument, e.g. docker's "-e API_KEY=value" or "--env=API_KEY=value".
    [GeneratedRegex(@"^(?<prefix>(?:--?[A-Za-z0-9-]+=)?)(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.+)$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^(true|false|yes|no|on|off|null|none|[0-9.]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Trivial();

    private static readonly HashSet<string> s_secretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token", "bearer_token",
    };

    /// <summary>True when <paramref name="value"/> under <paramref name="name"/> is a literal credential.</summary>
    public static bool IsPlaintextCredential(string name, string value, bool isHeader)
    {
        var v = value.Trim();
        if (v.Length == 0 || Reference().IsMatch(v))
        {
            return false;
        }

        if (TokenShape().IsMatch(v))
        {
            return true;
        }

        var secretName = (isHeader && s_secretHeaders.Contains(name)) || (SecretName().IsMatch(name) && !NotSecretSuffix().IsMatch(name));
        if (!secretName || Trivial().IsMatch(v))
        {
            return false;
        }

        // "Bearer" / "Basic" alone (the value then comes from elsewhere) is not a credential.
        return !(isHeader && v.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length < 2 && v.Length < 8 && char.IsUpper(v[0]));
    }

    /// <summary>True when a flag name (--api-key, --token) takes a secret value.</summary>
    public static bool IsSecretFlag(string flag)
    {
        var name = flag.TrimStart('-');
        return name.Length > 0 && SecretName().IsMatch(name) && !NotSecretSuffix().IsMatch(name);
    }

    /// <summary>True when an env variable or header name says it holds a credential (whatever its value).</summary>
    public static bool IsSecretName(string name) =>
        s_secretHeaders.Contains(name) || (SecretName().IsMatch(name) && !NotSecretSuffix().IsMatch(name));

    public static bool LooksLikeToken(string value) => TokenShape().IsMatch(value);

    /// <summary>
    /// The arguments with secret values hidden: the value after or in --secret-flag=, token-shaped values, and
    /// credentials inside URLs. Returns the names of the hidden flags in <paramref name="hidden"/>.
    /// </summary>
    public static IReadOnlyList<string> RedactArgs(IReadOnlyList<string> args, List<string>? hidden = null)
    {
        var result = new string[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            var eq = a.IndexOf('=');
            var assignment = Assignment().Match(a);
            if (assignment.Success && IsSecretName(assignment.Groups["name"].Value)
                && !Reference().IsMatch(assignment.Groups["value"].Value) && !Trivial().IsMatch(assignment.Groups["value"].Value))
            {
                result[i] = assignment.Groups["prefix"].Value + assignment.Groups["name"].Value + "=" + Mask;
                hidden?.Add(assignment.Groups["name"].Value);
            }
            else if (a.StartsWith('-') && eq > 0 && IsSecretFlag(a[..eq]) && !Reference().IsMatch(a[(eq + 1)..]))
            {
                result[i] = a[..(eq + 1)] + Mask;
                hidden?.Add(a[..eq]);
            }
            else if (a.StartsWith('-') && eq < 0 && IsSecretFlag(a) && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
            {
                result[i] = a;
                if (!Reference().IsMatch(args[i + 1]) && !Trivial().IsMatch(args[i + 1]))
                {
                    result[++i] = Mask;
                    hidden?.Add(a);
                }
                else
                {
                    result[++i] = args[i];
                }
            }
            else if (TokenShape().IsMatch(a))
            {
                result[i] = TokenShape().Replace(a, Mask);
                hidden?.Add($"argument {i + 1}");
            }
            else
            {
                result[i] = a.Contains("://", StringComparison.Ordinal) ? RedactUrl(a) : a;
            }
        }

        return result;
    }

    /// <summary>Hides user:password and secret-named query parameters in a URL.</summary>
    public static string RedactUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return TokenShape().Replace(url, Mask);
        }

        var b = new UriBuilder(uri);
        if (b.UserName.Length > 0 || b.Password.Length > 0)
        {
            b.UserName = Mask;
            b.Password = "";
        }

        if (b.Query.Length > 1)
        {
            var parts = b.Query.TrimStart('?').Split('&').Select(p =>
            {
                var eq = p.IndexOf('=');
                return eq > 0 && (IsSecretFlag(p[..eq]) || TokenShape().IsMatch(p[(eq + 1)..])) ? p[..(eq + 1)] + Mask : p;
            });
            b.Query = string.Join('&', parts);
        }

        var text = b.Uri.IsDefaultPort ? b.Uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Port, UriFormat.UriEscaped) : b.Uri.AbsoluteUri;
        return TokenShape().Replace(text, Mask);
    }

    /// <summary>Names of URL parts that held a credential (for the plaintext-credential finding).</summary>
    public static IEnumerable<string> CredentialPartsOfUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            yield break;
        }

        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            yield return "password in the URL";
        }

        foreach (var p in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = p.IndexOf('=');
            if (eq > 0 && (IsSecretFlag(p[..eq]) || TokenShape().IsMatch(p[(eq + 1)..])) && !Reference().IsMatch(Uri.UnescapeDataString(p[(eq + 1)..])))
            {
                yield return $"URL parameter {p[..eq]}";
            }
        }
    }
}
