using System.Text.Json;
using McpGuard.Core.Rules;

namespace McpGuard.Runtime.Policy;

/// <summary>The verdict on one tool call. <see cref="Rule"/> is null when the call is allowed outright.</summary>
public sealed record PolicyDecision(bool Forward, RuleDescriptor? Rule, string? Reason)
{
    public static PolicyDecision Allow { get; } = new(true, null, null);

    public bool IsAlert => Forward && Rule is not null;
}

/// <summary>Applies a <see cref="ServerPolicy"/> to tool names and tools/call arguments. Pure; no I/O.</summary>
public static class PolicyEvaluator
{
    /// <summary>True when the tool may be listed and called at all (deny wins; a non-empty allow list is exclusive).</summary>
    public static bool IsToolAllowed(ServerPolicy policy, string tool) =>
        !Glob.AnyMatch(policy.DenyTools, tool) && (policy.AllowTools.Count == 0 || Glob.AnyMatch(policy.AllowTools, tool));

    public static PolicyDecision EvaluateCall(ServerPolicy policy, string tool, JsonElement? arguments)
    {
        if (!IsToolAllowed(policy, tool))
        {
            return new PolicyDecision(false, ProxyRules.ToolDenied, $"the policy does not allow the tool '{tool}'");
        }

        foreach (var rules in policy.Arguments)
        {
            if (!Glob.IsMatch(rules.ToolGlob, tool))
            {
                continue;
            }

            foreach (var (name, constraint) in rules.Arguments)
            {
                JsonElement value = default;
                var present = arguments is { ValueKind: JsonValueKind.Object } args && args.TryGetProperty(name, out value)
                    && value.ValueKind != JsonValueKind.Null;
                var problem = Check(constraint, name, present, value);
                if (problem is not null)
                {
                    var reason = $"argument '{name}' of tool '{tool}' {problem}";
                    return new PolicyDecision(policy.OnViolation == ViolationAction.Alert, ProxyRules.ArgumentViolation, reason);
                }
            }
        }

        return PolicyDecision.Allow;
    }

    private static string? Check(ArgumentConstraint c, string name, bool present, JsonElement value)
    {
        if (!present)
        {
            return c.Required ? "is required" : null;
        }

        if (c.Forbidden)
        {
            return "is not allowed";
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (CheckScalar(c, item) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        return CheckScalar(c, value);
    }

    private static string? CheckScalar(ArgumentConstraint c, JsonElement value)
    {
        // Constraints are about text; a number or object where text is constrained cannot be judged: fail closed.
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            return $"has a {value.ValueKind.ToString().ToLowerInvariant()} value where text is expected";
        }

        if (c.MaxLength is { } max && text.Length > max)
        {
            return $"is longer than {max} characters";
        }

        if (c.Enum is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
        {
            return $"is not one of: {string.Join(", ", allowed)}";
        }

        if (c.Pattern is { } pattern && !pattern.IsMatch(text))
        {
            return $"does not match the pattern {pattern}";
        }

        if (c.Domains is { } domains)
        {
            foreach (var address in EmailAddresses.Split(text))
            {
                var domain = EmailAddresses.Domain(address);
                if (domain is null)
                {
                    return "holds something that is not an e-mail address";
                }

                if (!domains.Any(d => DomainMatches(d, domain)))
                {
                    return $"sends to the domain '{domain}', which is not in the allowed list";
                }
            }
        }

        return null;
    }

    private static bool DomainMatches(string allowed, string domain) =>
        allowed.StartsWith("*.", StringComparison.Ordinal)
            ? domain.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase) || domain.Equals(allowed[2..], StringComparison.OrdinalIgnoreCase)
            : domain.Equals(allowed, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Just enough address parsing for domain checks: "a@x.com", "Name &lt;a@x.com&gt;", lists split by , or ;.</summary>
internal static class EmailAddresses
{
    public static IEnumerable<string> Split(string text) =>
        text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string? Domain(string address)
    {
        var lt = address.LastIndexOf('<');
        if (lt >= 0)
        {
            var gt = address.IndexOf('>', lt);
            address = gt > lt ? address[(lt + 1)..gt] : address[(lt + 1)..];
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return null;
        }

        var domain = address[(at + 1)..].Trim().TrimEnd('.');
        return domain.Length == 0 || domain.Any(ch => char.IsWhiteSpace(ch) || ch is '@' or '<' or '>') ? null : domain;
    }
}
