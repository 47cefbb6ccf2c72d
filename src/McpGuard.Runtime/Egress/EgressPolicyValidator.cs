using System.Text.RegularExpressions;
using McpGuard.Core;

namespace McpGuard.Runtime.Egress;

/// <summary>Checks an <see cref="EgressPolicy"/> before a proxy starts: a bad policy refuses to start (fail closed).</summary>
public static partial class EgressPolicyValidator
{
    public static IReadOnlyList<string> Validate(EgressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(policy.Server))
        {
            errors.Add("egress policy: the server name is empty");
        }

        foreach (var host in policy.AllowedHosts)
        {
            if (!HostPattern.IsValid(host))
            {
                errors.Add($"egress policy: allowed host '{host}' is not a host name or '*.suffix' pattern");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secret in policy.Secrets)
        {
            // Messages name the secret, never its value.
            if (!EnvName().IsMatch(secret.Name))
            {
                errors.Add($"egress policy: secret name '{secret.Name}' is not an environment variable name");
            }
            else if (!names.Add(secret.Name))
            {
                errors.Add($"egress policy: secret '{secret.Name}' is declared twice");
            }

            if (string.IsNullOrEmpty(secret.Value))
            {
                errors.Add($"egress policy: secret '{secret.Name}' has no value");
            }

            if (!HeaderName().IsMatch(secret.Header))
            {
                errors.Add($"egress policy: secret '{secret.Name}' header '{secret.Header}' is not a header name");
            }

            if (!HostPattern.IsValid(secret.Host) || secret.Host.StartsWith("*.", StringComparison.Ordinal))
            {
                errors.Add($"egress policy: secret '{secret.Name}' host '{secret.Host}' must be one exact host name");
            }
            else if (!HostPattern.AnyMatches(policy.AllowedHosts, secret.Host))
            {
                errors.Add($"egress policy: secret '{secret.Name}' belongs to '{secret.Host}', which is not an allowed host");
            }
        }

        var limits = policy.Limits;
        if (limits.MaxBodyBytes <= 0 || limits.MaxHeaderBytes <= 0 || limits.MaxRequestLineBytes <= 0
            || limits.MaxHeaderCount <= 0 || limits.LeafCertificateCacheSize <= 0
            || limits.RequestHeadTimeout <= TimeSpan.Zero || limits.UpstreamTimeout <= TimeSpan.Zero)
        {
            errors.Add("egress policy: every limit must be positive");
        }

        return errors;
    }

    /// <summary>Throws a <see cref="UserInputException"/> (exit 2, one line) listing every problem.</summary>
    public static void ThrowIfInvalid(EgressPolicy policy)
    {
        var errors = Validate(policy);
        if (errors.Count > 0)
        {
            throw new UserInputException(string.Join("; ", errors));
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderName();
}
