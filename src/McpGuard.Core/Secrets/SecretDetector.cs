using System.Buffers;
using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace McpGuard.Core.Secrets;

/// <summary>A secret found in text: its kind ("github-token", "private-key", "secret-field"...) and where it is.</summary>
/// <param name="Index">Start of the secret value (for "name: value" pairs, of the value only).</param>
public readonly record struct SecretMatch(string Kind, int Index, int Length);

/// <summary>
/// Finds secrets in text and decides which field names hold secrets. Shared by the redactor (audit log, reports),
/// the config scanner (plaintext credentials) and the egress proxy (a known secret in a request body).
/// Stateless and thread-safe; use <see cref="Default"/>.
/// </summary>
public sealed class SecretDetector
{
    public static SecretDetector Default { get; } = new();

    /// <summary>Shorter known values ("1", "true", "admin") would redact ordinary text all over the audit log.</summary>
    public const int MinKnownSecretLength = 6;

    private readonly string[] _knownSecrets = [];
    private readonly SearchValues<string>? _known;

    /// <summary>Finds secrets by format and by secret-named context only.</summary>
    public SecretDetector()
    {
    }

    /// <summary>
    /// Also finds these exact values anywhere (kind "known-secret"), for credentials that have no recognisable format,
    /// such as a Postmark server token (a bare UUID) handed to the server in its environment.
    /// </summary>
    public SecretDetector(IEnumerable<string> knownSecrets)
    {
        ArgumentNullException.ThrowIfNull(knownSecrets);
        _knownSecrets = knownSecrets
            .Where(v => v is not null && v.Length >= MinKnownSecretLength && !IsReference(v))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length) // longest first, so a value that contains another wins
            .ToArray();
        _known = _knownSecrets.Length == 0 ? null : SearchValues.Create(_knownSecrets, StringComparison.Ordinal);
    }

    /// <summary>A detector that also knows the values of the secret-named variables (*_TOKEN, *_KEY, PASSWORD...) in <paramref name="environment"/>.</summary>
    public static SecretDetector ForEnvironment(IEnumerable<KeyValuePair<string, string?>> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new SecretDetector(environment.Where(kv => kv.Value is not null && IsSecretName(kv.Key)).Select(kv => kv.Value!));
    }

    private static readonly FrozenSet<string> SecretNames = new[]
    {
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "xapikey", "authorization",
        "proxyauthorization", "cookie", "setcookie", "privatekey", "clientsecret", "accesstoken", "refreshtoken",
        "idtoken", "authtoken", "sessiontoken", "sessionid", "bearertoken", "credential", "credentials", "accesskey",
        "secretkey", "secretaccesskey", "signingkey", "encryptionkey", "masterkey", "webhooksecret", "auth",
        "connectionstring", "dsn", "licensekey", "serverkey", "xauthtoken", "pin", "otp",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly string[] SecretSuffixes =
        ["password", "passwd", "secret", "token", "apikey", "privatekey", "secretkey", "accesskey", "clientsecret", "authkey", "credentials"];

    // Names that end like secrets but are pagination cursors or counters, not credentials.
    private static readonly FrozenSet<string> NotSecretNames = new[]
    {
        "pagetoken", "nextpagetoken", "nexttoken", "continuationtoken", "cursortoken", "synctoken", "maxtoken",
        "tokentype", "publickey", "nextcursor",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> SecretNamesBySpan = SecretNames.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> NotSecretNamesBySpan = NotSecretNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly string[] NonSecretKeyPrefixes =
        ["public", "primary", "partition", "sort", "idempotency", "cache", "foreign", "row", "hash", "range", "lookup", "object", "group", "map", "dedup", "routing", "message", "i18n", "translation"];

    private static readonly FrozenSet<string> PlaceholderWords = new[]
    {
        "string", "null", "none", "nil", "true", "false", "undefined", "required", "optional", "redacted", "hidden",
        "example", "placeholder", "your-token", "your_token", "your-api-key", "your_api_key", "xxx", "xxxx", "xxxxx",
        "***", "****", "*****", "********", "number", "boolean", "object", "array", "text", "value", "empty",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every secret in <paramref name="text"/>, sorted by position, overlaps merged (earlier pattern names the kind).</summary>
    public IReadOnlyList<SecretMatch> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<SecretMatch>? found = null;
        if (_known is not null)
        {
            for (var at = 0; at < text.Length;)
            {
                var next = text.AsSpan(at).IndexOfAny(_known);
                if (next < 0)
                {
                    break;
                }

                var index = at + next;
                var value = Array.Find(_knownSecrets, v => text.AsSpan(index).StartsWith(v, StringComparison.Ordinal))!;
                (found ??= []).Add(new SecretMatch("known-secret", index, value.Length));
                at = index + value.Length;
            }
        }

        if (!SecretPatterns.MayMatchAny(text))
        {
            return found is null ? [] : Merge(found);
        }

        foreach (var pattern in SecretPatterns.All)
        {
            if (!pattern.MayMatch(text))
            {
                continue;
            }

            foreach (Match m in pattern.Matches(text))
            {
                var g = m.Groups["v"];
                var (index, length) = g.Success ? (g.Index, g.Length) : (m.Index, m.Length);
                if (!Accept(pattern, text.AsSpan(index, length), valueOnly: g.Success))
                {
                    continue;
                }

                (found ??= []).Add(new SecretMatch(pattern.Kind, index, length));
            }
        }

        return found is null ? [] : Merge(found);
    }

    /// <summary>True when the text holds at least one secret (stops at the first).</summary>
    public bool ContainsSecret(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_known is not null && text.AsSpan().IndexOfAny(_known) >= 0)
        {
            return true;
        }

        if (!SecretPatterns.MayMatchAny(text))
        {
            return false;
        }

        foreach (var pattern in SecretPatterns.All)
        {
            if (!pattern.MayMatch(text))
            {
                continue;
            }

            foreach (Match m in pattern.Matches(text))
            {
                var g = m.Groups["v"];
                var value = g.Success ? g.ValueSpan : m.ValueSpan;
                if (Accept(pattern, value, g.Success))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// True for field, header and environment names that hold secrets: password, token, apiKey, api_key,
    /// Authorization, Cookie, private_key, client_secret, *_TOKEN, *_KEY, *_SECRET, X-Postmark-Server-Token...
    /// </summary>
    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsSecretName(name.AsSpan());
    }

    /// <inheritdoc cref="IsSecretName(string)"/>
    /// <remarks>Allocation-free: the audit asks this for every member name of every tool call's arguments.</remarks>
    public static bool IsSecretName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 128)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[name.Length];
        var n = 0;
        foreach (var c in name)
        {
            if (c is not ('_' or '-' or '.' or ' '))
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        ReadOnlySpan<char> normalised = buffer[..n];
        if (NotSecretNamesBySpan.Contains(normalised))
        {
            return false;
        }

        if (SecretNamesBySpan.Contains(normalised))
        {
            return true;
        }

        foreach (var suffix in SecretSuffixes)
        {
            if (normalised.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        // FOO_KEY / foo-key / foo.key: a key of something, unless it is a well-known non-secret kind of key.
        if (name.Length >= 4 && name[^4] is '_' or '-' or '.'
            && char.ToLowerInvariant(name[^3]) == 'k' && char.ToLowerInvariant(name[^2]) == 'e' && char.ToLowerInvariant(name[^1]) == 'y')
        {
            var stem = normalised[..^3];
            foreach (var prefix in NonSecretKeyPrefixes)
            {
                if (stem.EndsWith(prefix, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// The kind of secret a name/value pair holds, or null: a known token format in the value wins; otherwise a
    /// secret-named field with a real-looking value (not empty, not a placeholder such as "${TOKEN}" or "&lt;your key&gt;")
    /// is a "secret-field". Used to find plaintext credentials in configuration files.
    /// </summary>
    public string? Classify(string? name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        foreach (var m in Find(value))
        {
            if (m.Kind != "secret-field")
            {
                return m.Kind;
            }
        }

        return name is not null && IsSecretName(name) && !IsPlaceholder(value) ? "secret-field" : null;
    }

    /// <summary>True for values that stand in for a secret rather than being one: "${TOKEN}", "$TOKEN", "%TOKEN%", "&lt;key&gt;", "{{key}}", "xxxx", "[REDACTED:...]".</summary>
    public static bool IsPlaceholder(ReadOnlySpan<char> value)
    {
        value = value.Trim().TrimEnd(".,;:)");
        if (value.Length < 4)
        {
            return true;
        }

        if (IsReference(value))
        {
            return true;
        }

        if (PlaceholderWords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(value))
        {
            return true;
        }

        // "xxxxxxxx", "********", "........": one repeated character is a mask, not a secret.
        return !value.ContainsAnyExcept(value[0]);
    }

    /// <summary>
    /// True for values that point at a secret kept elsewhere: "${TOKEN}", "{{key}}", "$TOKEN", "%TOKEN%", "&lt;key&gt;",
    /// "env:NAME", "op://vault/item", "process.env.X", or an existing "[REDACTED:...]" marker.
    /// </summary>
    public static bool IsReference(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        return value.Length > 0 && (value.StartsWith("${") || value.StartsWith("{{") || value.StartsWith("[REDACTED") || value.StartsWith("process.env")
            || (value[0] == '$' && IsEnvName(value[1..])) || (value.Length > 1 && value[0] == '%' && value[^1] == '%')
            || (value.Length > 1 && value[0] == '<' && value[^1] == '>') || value.StartsWith("env:", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("op://", StringComparison.Ordinal));
    }

    private static bool IsEnvName(ReadOnlySpan<char> s) =>
        s.Length > 0 && !s.ContainsAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private static bool Accept(SecretPattern pattern, ReadOnlySpan<char> value, bool valueOnly)
    {
        if (valueOnly && IsPlaceholder(value))
        {
            return false;
        }

        return !pattern.NeedsMixedCharacters || (value.ContainsAnyInRange('0', '9') && (value.ContainsAnyInRange('a', 'z') || value.ContainsAnyInRange('A', 'Z')));
    }

    private static List<SecretMatch> Merge(List<SecretMatch> found)
    {
        // Stable sort by start, then longest first, so overlapping matches collapse into one span whose kind comes from
        // the first (highest-priority) pattern that reported the earliest start.
        var ordered = found.Select((m, i) => (m, i)).OrderBy(x => x.m.Index).ThenByDescending(x => x.m.Length).ThenBy(x => x.i).Select(x => x.m);
        var merged = new List<SecretMatch>(found.Count);
        foreach (var m in ordered)
        {
            if (merged.Count > 0 && m.Index < merged[^1].Index + merged[^1].Length)
            {
                var last = merged[^1];
                var end = Math.Max(last.Index + last.Length, m.Index + m.Length);
                merged[^1] = last with { Length = end - last.Index };
                continue;
            }

            merged.Add(m);
        }

        return merged;
    }
}
