using McpGuard.Core;
using McpGuard.Core.Intel;

namespace McpGuard.Investigate.MailAudit;

/// <summary>
/// What counts as expected and what as known bad. Immutable; check it with <see cref="MailAuditOptionsValidator"/>.
/// Domains match themselves and their subdomains; addresses match exactly (case-insensitive).
/// </summary>
public sealed record MailAuditOptions
{
    /// <summary>Recipients in these domains (and subdomains) may receive copies.</summary>
    public IReadOnlyList<string> TrustedDomains { get; init; } = [];

    /// <summary>Addresses that may receive copies (an archive, a CRM drop box).</summary>
    public IReadOnlyList<string> ExpectedAddresses { get; init; } = [];

    /// <summary>Addresses from threat intelligence; any delivery to one is critical, even as a visible To.</summary>
    public IReadOnlyList<string> KnownBadAddresses { get; init; } = [];

    /// <summary>Domains from threat intelligence (and their subdomains).</summary>
    public IReadOnlyList<string> KnownBadDomains { get; init; } = [];

    /// <summary>
    /// Share of all messages at which one hidden recipient is flagged as a systematic copy. 20%: a backdoor like
    /// postmark-mcp hits ~100% of one sender's mail, and a log that mixes several senders still leaves it far above
    /// this, while a person who sometimes Bccs a colleague stays far below.
    /// </summary>
    public double HiddenCopyMinShare { get; init; } = 0.20;

    /// <summary>At least this many messages too, so that 1 Bcc in a 3-message log is not called systematic.</summary>
    public int HiddenCopyMinMessages { get; init; } = 5;

    /// <summary>Subjects kept per recipient as evidence: enough to recognise the traffic, little enough to leak nothing much.</summary>
    public int MaxSampleSubjects { get; init; } = 3;

    /// <summary>Subjects are cut to this length in reports.</summary>
    public int MaxSubjectLength { get; init; } = 120;

    /// <summary>
    /// These options with the intel's known-bad addresses and domains (built-in, e.g. postmark-mcp's
    /// phan@giftshop.club, plus whatever the local intel store and --osv folders carry).
    /// </summary>
    public MailAuditOptions WithIntel(IntelDatabase intel) => this with
    {
        KnownBadAddresses = [.. KnownBadAddresses, .. intel.KnownBadEmailAddresses.Select(i => i.Value)],
        KnownBadDomains = [.. KnownBadDomains, .. intel.KnownBadDomains.Select(i => i.Value)],
    };
}

/// <summary>Checks <see cref="MailAuditOptions"/>; every problem names the option so the CLI can print it as is.</summary>
public static class MailAuditOptionsValidator
{
    public static IReadOnlyList<string> Validate(MailAuditOptions options)
    {
        var errors = new List<string>();
        if (options.HiddenCopyMinShare is <= 0 or > 1 || double.IsNaN(options.HiddenCopyMinShare))
        {
            errors.Add($"the hidden-copy share must be in (0, 1], got {options.HiddenCopyMinShare}");
        }

        if (options.HiddenCopyMinMessages < 1)
        {
            errors.Add($"the hidden-copy minimum message count must be at least 1, got {options.HiddenCopyMinMessages}");
        }

        if (options.MaxSampleSubjects is < 0 or > 20)
        {
            errors.Add($"sample subjects must be between 0 and 20, got {options.MaxSampleSubjects}");
        }

        foreach (var d in options.TrustedDomains.Concat(options.KnownBadDomains))
        {
            if (string.IsNullOrWhiteSpace(d) || d.Contains('@', StringComparison.Ordinal) || d.Any(char.IsWhiteSpace))
            {
                errors.Add($"'{d}' is not a domain (give example.com, not an address)");
            }
        }

        foreach (var a in options.ExpectedAddresses.Concat(options.KnownBadAddresses))
        {
            if (MailAddresses.Normalize(a) is null)
            {
                errors.Add($"'{a}' is not an email address");
            }
        }

        return errors;
    }

    public static void ThrowIfInvalid(MailAuditOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new UserInputException("mail-audit: " + string.Join("; ", errors));
        }
    }
}
