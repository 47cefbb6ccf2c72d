using System.Text;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// Credential swap. Each declared secret gets a random placeholder for this run; the sandboxed server only ever
/// sees the placeholder. The proxy puts the real value back only in the declared header, on the declared host,
/// upstream over TLS; a placeholder anywhere else is an exfiltration attempt and blocks the request.
/// </summary>
internal sealed class CredentialPlaceholders
{
    private readonly List<(EgressSecret Secret, string Placeholder)> _entries = [];

    public CredentialPlaceholders(IReadOnlyList<EgressSecret> secrets)
    {
        foreach (var secret in secrets)
        {
            // GUID-shaped: Postmark tokens are GUIDs and clients that validate the shape accept it; 122 random bits
            // mean the server cannot guess another placeholder or the real value from it.
            _entries.Add((secret, Guid.NewGuid().ToString()));
        }
    }

    /// <summary>Secret name → placeholder, the environment to hand to the sandbox.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        _entries.ToDictionary(e => e.Secret.Name, e => e.Placeholder, StringComparer.Ordinal);

    public bool IsEmpty => _entries.Count == 0;

    /// <summary>
    /// Where a placeholder appears where it does not belong ("header X-Foo", "URL", "body", "plain HTTP"...), or null.
    /// Searches ignore case so an upper-cased placeholder is caught too. Encoded forms (base64, hex) are not
    /// searched: a limitation documented in docs/egress.md.
    /// </summary>
    public (string SecretName, string Location)? FindMisplaced(EgressRequest request)
    {
        if (_entries.Count == 0)
        {
            return null;
        }

        var target = Uri.UnescapeDataString(request.PathAndQuery);
        var bodyText = request.Body.Length > 0 ? Encoding.Latin1.GetString(request.Body) : string.Empty;
        foreach (var (secret, placeholder) in _entries)
        {
            if (request.PathAndQuery.Contains(placeholder, StringComparison.OrdinalIgnoreCase)
                || target.Contains(placeholder, StringComparison.OrdinalIgnoreCase))
            {
                return (secret.Name, "URL");
            }

            if (bodyText.Contains(placeholder, StringComparison.OrdinalIgnoreCase))
            {
                return (secret.Name, "body");
            }

            foreach (var (name, value) in request.Head.Headers)
            {
                if (!name.Contains(placeholder, StringComparison.OrdinalIgnoreCase) && !value.Contains(placeholder, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!string.Equals(name, secret.Header, StringComparison.OrdinalIgnoreCase))
                {
                    return (secret.Name, $"header {name}");
                }

                if (!string.Equals(request.Host, HostPattern.Normalize(secret.Host), StringComparison.Ordinal))
                {
                    return (secret.Name, $"host {request.Host}");
                }

                if (request.Scheme != "https")
                {
                    // Never put a real credential on a plaintext upstream connection.
                    return (secret.Name, "plain HTTP");
                }
            }
        }

        return null;
    }

    /// <summary>Replaces placeholders with real values in the headers they belong to (call after <see cref="FindMisplaced"/>).</summary>
    public string SwapHeaderValue(EgressRequest request, string name, string value)
    {
        foreach (var (secret, placeholder) in _entries)
        {
            if (request.Scheme == "https"
                && string.Equals(name, secret.Header, StringComparison.OrdinalIgnoreCase)
                && string.Equals(request.Host, HostPattern.Normalize(secret.Host), StringComparison.Ordinal)
                && value.Contains(placeholder, StringComparison.OrdinalIgnoreCase))
            {
                value = value.Replace(placeholder, secret.Value, StringComparison.OrdinalIgnoreCase);
            }
        }

        return value;
    }

    /// <summary>True when <paramref name="text"/> equals a real secret value or a placeholder (so it is never flagged as "unexpected").</summary>
    public bool IsKnownCredential(string text) =>
        _entries.Exists(e => text.Contains(e.Placeholder, StringComparison.OrdinalIgnoreCase) || text.Contains(e.Secret.Value, StringComparison.Ordinal));
}
