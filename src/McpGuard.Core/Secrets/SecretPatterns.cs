using System.Buffers;
using System.Text.RegularExpressions;
using McpGuard.Core.Text;

namespace McpGuard.Core.Secrets;

/// <summary>One secret format: its kind name, the pattern, a cheap pre-check, and whether the value must look random.</summary>
/// <param name="Kind">Stable name used in markers ("[REDACTED:github-token]") and detector results.</param>
/// <param name="Required">Text without any of these substrings cannot match, so the regex is skipped (a vectorised
/// multi-substring search is many times faster than a regex pass).</param>
/// <param name="NeedsMixedCharacters">For loose formats (a bare "Bearer x"): only values with both letters and digits
/// count, so prose such as "Bearer authentication" is left alone.</param>
internal sealed record SecretPattern(string Kind, SizeGuardedRegex Regex, SearchValues<string> Required, bool NeedsMixedCharacters = false)
{
    public SecretPattern(string kind, Regex regex, string[] required, bool ignoreCase = false, bool needsMixedCharacters = false)
        : this(kind, new SizeGuardedRegex(regex), SearchValues.Create(required, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal), needsMixedCharacters)
    {
        RequiredLiterals = required;
    }

    /// <summary>The substrings behind <see cref="Required"/>, for the combined pre-check of all patterns.</summary>
    public IReadOnlyList<string> RequiredLiterals { get; private init; } = [];

    public bool MayMatch(ReadOnlySpan<char> text) => text.IndexOfAny(Required) >= 0;

    /// <summary>Every match in <paramref name="text"/> (backtracking engine for short text, linear-time for long).</summary>
    public MatchCollection Matches(string text) => Regex.For(text).Matches(text);
}

/// <summary>
/// Known token formats and secret-bearing contexts. Long text is matched by a NonBacktracking copy of each pattern
/// (linear time in the input, no catastrophic backtracking on hostile text), short text by the generated backtracking
/// code, which holds no automaton in memory (<see cref="SizeGuardedRegex"/>); a timeout is the second guard. A named group "v" marks the part to
/// redact when only the value of a "name: value" pair is secret; otherwise the whole match is.
/// </summary>
internal static partial class SecretPatterns
{
    private const RegexOptions Exact = RegexOptions.CultureInvariant;
    private const RegexOptions Loose = Exact | RegexOptions.IgnoreCase;

    /// <summary>Linear scans of 10 MB take a fraction of a second; hitting this means a starved machine.</summary>
    private const int TimeoutMs = 10_000;

    // Body: base64, whitespace, JSON-escaped newlines, and PEM headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,..").
    // A dash only counts when a letter or digit follows, so the body stops at "-----END"; a truncated key (no END line)
    // is still redacted to where the base64 stops.
    [GeneratedRegex(@"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----([A-Za-z0-9+/=\s\\:,]|-[A-Za-z0-9])*(-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----)?", Exact, TimeoutMs)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", Exact, TimeoutMs)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b", Exact, TimeoutMs)]
    private static partial Regex GitHub();

    [GeneratedRegex(@"\bsk-ant-[A-Za-z0-9_-]{20,}", Exact, TimeoutMs)]
    private static partial Regex Anthropic();

    [GeneratedRegex(@"\bsk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", Exact, TimeoutMs)]
    private static partial Regex OpenAi();

    [GeneratedRegex(@"\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9+/=]{24,}", Exact, TimeoutMs)]
    private static partial Regex Stripe();

    [GeneratedRegex(@"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", Exact, TimeoutMs)]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex(@"aws_?secret_?(access_?)?key[""']?\s*[:=]\s*[""']?(?<v>[A-Za-z0-9/+=]{40})", Loose, TimeoutMs)]
    private static partial Regex AwsSecretKey();

    [GeneratedRegex(@"\bxox[abposre]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9_/]+", Exact, TimeoutMs)]
    private static partial Regex Slack();

    [GeneratedRegex(@"\bAIza[0-9A-Za-z_-]{35}", Exact, TimeoutMs)]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"\bnpm_[A-Za-z0-9]{36}\b", Exact, TimeoutMs)]
    private static partial Regex Npm();

    [GeneratedRegex(@"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", Exact, TimeoutMs)]
    private static partial Regex SendGrid();

    [GeneratedRegex(@"\bkey-[0-9a-f]{32}\b", Exact, TimeoutMs)]
    private static partial Regex Mailgun();

    [GeneratedRegex(@"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b", Exact, TimeoutMs)]
    private static partial Regex ChatBotToken();

    [GeneratedRegex(@"\b(proxy-)?authorization[""']?\s*[:=]\s*[""']?((bearer|basic|token|bot|digest|apikey|negotiate|ntlm|sso-key)\s+)?(?<v>[^\s""',;]{4,})", Loose, TimeoutMs)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\bbearer\s+(?<v>[A-Za-z0-9._~+/-]{16,}=*)", Loose, TimeoutMs)]
    private static partial Regex BareBearer();

    [GeneratedRegex(@"\b(set-)?cookie[""']?\s*:\s*[""']?(?<v>[^\r\n""']{4,})", Loose, TimeoutMs)]
    private static partial Regex CookieHeader();

    [GeneratedRegex(@"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@""'<>]{1,256}:(?<v>[^\s@/""'<>]{1,256})@", Loose, TimeoutMs)]
    private static partial Regex UrlPassword();

    // "name: value" / "name=value" with a secret-named name (env lines, headers, YAML, JSON text, query strings).
    [GeneratedRegex(@"[A-Za-z0-9_.-]{0,40}(password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|client[_-]?secret|session[_-]?id|credentials?)[""']?\s*[:=]\s*[""']?(?<v>[^\s""',;&<>\[\]{}()]{4,})", Loose, TimeoutMs)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9_]*_(KEY|PAT|PASS|CREDENTIALS?)\s*=\s*[""']?(?<v>[^\s""'`;&]{4,})", Exact, TimeoutMs)]
    private static partial Regex EnvKeyAssignment();

    [GeneratedRegex(@"[?&](access_token|token|api_key|apikey|key|sig|signature|password|secret|client_secret|code|auth)=(?<v>[^&\s""'#<>]{6,})", Loose, TimeoutMs)]
    private static partial Regex QuerySecret();

    /// <summary>In priority order: when two matches overlap, the earlier pattern names the kind.</summary>
    public static IReadOnlyList<SecretPattern> All { get; } =
    [
        new("private-key", PrivateKey(), ["PRIVATE KEY"]),
        new("jwt", Jwt(), ["eyJ"]),
        new("github-token", GitHub(), ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]),
        new("anthropic-key", Anthropic(), ["sk-ant-"]),
        new("openai-key", OpenAi(), ["sk-"], needsMixedCharacters: true),
        new("stripe-key", Stripe(), ["_live_", "_test_", "whsec_"]),
        new("aws-access-key-id", AwsAccessKeyId(), ["AKIA", "ASIA", "ABIA", "ACCA"]),
        new("aws-secret-key", AwsSecretKey(), ["secret"], ignoreCase: true),
        new("slack-token", Slack(), ["xox", "hooks.slack.com"]),
        new("google-api-key", GoogleApiKey(), ["AIza"]),
        new("npm-token", Npm(), ["npm_"]),
        new("sendgrid-key", SendGrid(), ["SG."]),
        new("mailgun-key", Mailgun(), ["key-"]),
        new("bot-token", ChatBotToken(), [":AA"]),
        new("authorization", AuthorizationHeader(), ["authorization"], ignoreCase: true),
        new("bearer-token", BareBearer(), ["bearer"], ignoreCase: true, needsMixedCharacters: true),
        new("cookie", CookieHeader(), ["cookie"], ignoreCase: true),
        new("url-password", UrlPassword(), ["://"]),
        new("secret-field", SecretAssignment(), ["pass", "pwd", "secret", "token", "key", "credential", "session"], ignoreCase: true),
        new("secret-field", EnvKeyAssignment(), ["_KEY", "_PAT", "_PASS", "_CRED"]),
        new("secret-field", QuerySecret(), ["="]),
    ];

    /// <summary>
    /// True when <paramref name="text"/> holds one of the patterns' required substrings; text holding none cannot match
    /// any pattern, so this replaces 21 searches (the audit store redacts every request id, reason and argument, and
    /// almost none hold a secret).
    /// </summary>
    public static bool MayMatchAny(ReadOnlySpan<char> text) => text.ContainsAny(AnyRequiredStrings) || text.ContainsAny(AnyRequiredChars);

    // The one-character literals ("=") are searched apart: a single one-character value makes SearchValues fall back
    // from its vectorised multi-string search (Teddy) to a per-character Aho-Corasick walk, 3-6x slower on the short
    // strings the audit redacts (bench/README.md, "Secret redaction").
    private static readonly string[] AllRequiredLiterals = [.. All.SelectMany(p => p.RequiredLiterals).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static readonly SearchValues<string> AnyRequiredStrings =
        SearchValues.Create([.. AllRequiredLiterals.Where(l => l.Length > 1)], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<char> AnyRequiredChars = SearchValues.Create(
        [.. AllRequiredLiterals.Where(l => l.Length == 1).SelectMany(l => new[] { char.ToLowerInvariant(l[0]), char.ToUpperInvariant(l[0]) }).Distinct()]);
}
