using System.Text;
using System.Text.RegularExpressions;
using McpGuard.Core.Rules;
using McpGuard.Core.Secrets;
using McpGuard.Runtime.Egress.MailApis;

namespace McpGuard.Runtime.Egress;

/// <summary>
/// Judges one outbound request against the policy and the tool calls in flight: allowed host, credential
/// placement, inspectable body, mail recipients ⊆ call arguments, and the generic address/secret and
/// no-call-in-flight flags. Pure: no I/O, so every rule is unit-testable.
/// </summary>
internal sealed partial class EgressInspector(EgressPolicy policy, CredentialPlaceholders placeholders, ISecretRedactor redactor)
{
    private readonly HashSet<string> _knownAddresses =
        policy.KnownAddresses.Select(CallArguments.NormalizeAddress).ToHashSet(StringComparer.Ordinal);

    public bool IsHostAllowed(string host) => HostPattern.AnyMatches(policy.AllowedHosts, host);

    public EgressVerdict Inspect(EgressRequest request, CallArguments calls)
    {
        if (!IsHostAllowed(request.Host))
        {
            return EgressVerdict.Block(EgressRules.HostNotAllowed, $"host {request.Host} is not allowed for this server");
        }

        if (placeholders.FindMisplaced(request) is { } misplaced)
        {
            return EgressVerdict.Block(EgressRules.PlaceholderExfiltration,
                $"placeholder for {misplaced.SecretName} sent in {misplaced.Location}; it belongs only in {Declared(misplaced.SecretName)}");
        }

        if (request.Body.Length > 0 && request.Head.Get("Content-Encoding") is { } encoding
            && !encoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            // A compressed body would have to be inflated (a decompression bomb risk) to be inspected; block it.
            return EgressVerdict.Block(EgressRules.UninspectableBody, $"request body is {encoding}-encoded and cannot be inspected");
        }

        IReadOnlyList<MailRecipient> recipients = [];
        IReadOnlyList<string> senders = [];
        string? profileName = null;
        var profile = MailApiProfiles.Find(request);
        if (profile is not null)
        {
            profileName = profile.Name;
            try
            {
                (recipients, senders) = profile.Read(request);
            }
            catch (MailApiFormatException ex)
            {
                // Fail closed: recipients we cannot read cannot be checked against the call.
                return EgressVerdict.Block(EgressRules.UninspectableBody, $"{profile.Name} request body cannot be inspected: {ex.Message}") with { Profile = profileName };
            }

            var unexpected = recipients
                .Select(r => CallArguments.NormalizeAddress(r.Address))
                .Where(a => !calls.ContainsAddress(a))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (unexpected.Count > 0)
            {
                var why = calls.HasCalls ? "which no argument of the tool calls in flight contains" : "and no tool call is in flight";
                return EgressVerdict.Block(EgressRules.UnexpectedRecipient,
                    $"{profile.Name} request sends to {string.Join(", ", unexpected)}, {why}") with
                {
                    Profile = profileName,
                    Recipients = recipients,
                    UnexpectedRecipients = unexpected,
                };
            }
        }

        var flags = new List<EgressFlag>();
        if (!calls.HasCalls && request.Body.Length > 0)
        {
            flags.Add(new EgressFlag(EgressRules.NoCallInFlight, $"{request.Method} {request.Host}{request.Path} sent {request.Body.Length} bytes while no tool call was in flight"));
        }

        if (request.Body.Length > 0)
        {
            ScanBody(request, calls, recipients, senders, flags);
        }

        return new EgressVerdict { Allowed = true, Profile = profileName, Recipients = recipients, Flags = flags };
    }

    /// <summary>Generic rule: addresses and secrets in the body that neither the calls nor the policy account for.</summary>
    private void ScanBody(EgressRequest request, CallArguments calls, IReadOnlyList<MailRecipient> recipients, IReadOnlyList<string> senders, List<EgressFlag> flags)
    {
        var text = Encoding.UTF8.GetString(request.Body);
        // Recipients were already checked against the calls above; the mail API's own sender field is not a destination.
        var checkedRecipients = recipients.Select(r => CallArguments.NormalizeAddress(r.Address))
            .Concat(senders.Select(CallArguments.NormalizeAddress))
            .ToHashSet(StringComparer.Ordinal);
        var strayAddresses = CallArguments.FindAddresses(text)
            .Where(a => !checkedRecipients.Contains(a) && !_knownAddresses.Contains(a) && !calls.ContainsAddress(a))
            .Distinct(StringComparer.Ordinal)
            .Take(10)
            .ToList();
        if (strayAddresses.Count > 0)
        {
            flags.Add(new EgressFlag(EgressRules.UnexpectedDataInBody,
                $"body to {request.Host}{request.Path} carries {string.Join(", ", strayAddresses)}, found neither in the tool call arguments nor in the policy"));
        }

        var secretKinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match token in CandidateToken().Matches(text))
        {
            var value = token.Value;
            if (redactor.ContainsSecret(value) && !calls.ContainsText(value) && !placeholders.IsKnownCredential(value))
            {
                // Name the kind only ("[REDACTED:github-token]"), never the value.
                secretKinds.Add(redactor.Redact(value));
            }
        }

        if (secretKinds.Count > 0)
        {
            flags.Add(new EgressFlag(EgressRules.UnexpectedDataInBody,
                $"body to {request.Host}{request.Path} carries a secret ({string.Join(", ", secretKinds)}) not found in the tool call arguments"));
        }
    }

    private string Declared(string secretName)
    {
        var secret = policy.Secrets.First(s => s.Name == secretName);
        return $"header {secret.Header} to https://{secret.Host}";
    }

    // Secret-shaped tokens: long runs of token characters (keys, JWTs, PEM lines).
    [GeneratedRegex(@"[A-Za-z0-9_\-+/=.:]{16,}", RegexOptions.CultureInvariant)]
    private static partial Regex CandidateToken();
}
