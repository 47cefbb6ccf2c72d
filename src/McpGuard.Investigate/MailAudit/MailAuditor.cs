using System.Globalization;
using System.Text.Json.Nodes;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Core.Rules;

namespace McpGuard.Investigate.MailAudit;

/// <summary>One reported recipient: the row of the CSV output and the evidence of its finding.</summary>
public sealed record SuspiciousRecipient(
    string Address,
    string RuleId,
    Severity Severity,
    long Messages,
    double Share,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    IReadOnlyDictionary<string, long> Roles,
    IReadOnlyList<string> SampleSubjects,
    string Source);

/// <summary>The outcome of one audit: findings (worst first), the same recipients as rows, and what was skipped.</summary>
public sealed record MailAuditResult(
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<SuspiciousRecipient> Recipients,
    long MessagesScanned,
    long Skipped,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public Report ToReport() => Report.Create([], Findings, Diagnostics);
}

/// <summary>
/// Judges recipients as messages stream past. Memory grows with the number of distinct copy recipients, never with
/// the number of messages: plain To recipients (a sender's customers) are not tracked unless they are known bad.
/// </summary>
internal sealed class MailAuditor
{
    private readonly MailAuditOptions _options;
    private readonly string _source;
    private readonly string _sourceFile;
    private readonly HashSet<string> _trustedDomains;
    private readonly HashSet<string> _expected;
    private readonly HashSet<string> _badAddresses;
    private readonly HashSet<string> _badDomains;
    private readonly Dictionary<string, Stats> _stats = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _domainVerdicts = new(StringComparer.Ordinal);

    /// <param name="source">What was read, for evidence: "ses-events", "postmark-api"...</param>
    /// <param name="sourceFile">The file or URL, for the finding's location.</param>
    public MailAuditor(MailAuditOptions options, string source, string sourceFile)
    {
        _options = options;
        _source = source;
        _sourceFile = sourceFile;
        _trustedDomains = Lower(options.TrustedDomains);
        _expected = Lower(options.ExpectedAddresses.Select(MailAddresses.Normalize).OfType<string>());
        _badAddresses = Lower(options.KnownBadAddresses.Select(MailAddresses.Normalize).OfType<string>());
        _badDomains = Lower(options.KnownBadDomains);
    }

    public long Messages { get; private set; }

    public void Observe(MailRecord record)
    {
        Messages++;
        var recipients = record.Recipients;
        var several = recipients.Count > 1;
        foreach (var r in recipients)
        {
            var bad = IsKnownBad(r.Address);

            // Known bad wins over trusted: an intel hit is reported even if someone trusted its domain by mistake.
            if (!bad && (IsTrusted(r.Address) || _expected.Contains(r.Address)))
            {
                continue;
            }

            // A visible To is the sender's own choice of audience; an Unknown-role delivery that was the only one of
            // its message is the same. Tracking them would grow memory with the customer list for no finding.
            if (!bad && (r.Role == RecipientRole.To || (r.Role == RecipientRole.Unknown && !several)))
            {
                continue;
            }

            if (!_stats.TryGetValue(r.Address, out var stats))
            {
                stats = new Stats(bad);
                _stats[r.Address] = stats;
            }

            stats.Add(r.Role, record.Date, record.Subject, _options);
        }
    }

    public MailAuditResult Complete(MailReadContext context)
    {
        var rows = new List<SuspiciousRecipient>();
        var findings = new List<Finding>();
        foreach (var (address, s) in _stats)
        {
            var share = Messages == 0 ? 0 : (double)s.Hidden / Messages;
            RuleDescriptor rule;
            Severity severity;
            if (s.KnownBad)
            {
                rule = MailAuditRules.KnownBadRecipient;
                severity = rule.DefaultSeverity;
            }
            else if (s.Hidden >= _options.HiddenCopyMinMessages && share >= _options.HiddenCopyMinShare)
            {
                rule = MailAuditRules.FrequentHiddenCopy;
                severity = rule.DefaultSeverity;
            }
            else if (s.Bcc + s.Extra > 0)
            {
                rule = MailAuditRules.UnexpectedCopyRecipient;
                severity = Severity.Medium;
            }
            else if (s.Cc > 0)
            {
                // A visible Cc is seen by every recipient, so it is worth a look but rarely a secret leak.
                rule = MailAuditRules.UnexpectedCopyRecipient;
                severity = Severity.Low;
            }
            else
            {
                // Unknown role (a log without headers), seen on a few multi-recipient messages: not evidence of hiding.
                continue;
            }

            var roles = s.Roles();
            var row = new SuspiciousRecipient(address, rule.Id, severity, s.Count, Math.Round(share, 4), s.First, s.Last, roles, s.Subjects, _source);
            rows.Add(row);
            findings.Add(FindingFactory.Create(
                rule,
                Describe(row, s),
                location: new SourceLocation { File = _sourceFile },
                evidence: Evidence(row),
                severity: severity));
        }

        if (context.Skipped > 0)
        {
            findings.Add(FindingFactory.Create(
                MailAuditRules.IncompleteMailLog,
                $"{context.Skipped.ToString("N0", CultureInfo.InvariantCulture)} records of {_sourceFile} were skipped and not audited; the diagnostics say which.",
                location: new SourceLocation { File = _sourceFile },
                evidence: new JsonObject { ["skipped"] = context.Skipped, ["messagesScanned"] = Messages, ["source"] = _source }));
        }

        rows.Sort((a, b) => b.Severity != a.Severity ? b.Severity.CompareTo(a.Severity) : b.Messages != a.Messages ? b.Messages.CompareTo(a.Messages) : string.CompareOrdinal(a.Address, b.Address));
        var ordered = findings
            .OrderByDescending(f => f.Severity)
            .ThenByDescending(f => f.Evidence?["count"]?.GetValue<long>() ?? 0)
            .ToList();
        return new MailAuditResult(ordered, rows, Messages, context.Skipped, context.Diagnostics);
    }

    private string Describe(SuspiciousRecipient row, Stats s)
    {
        var how = string.Join(", ", row.Roles.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} on {kv.Value.ToString("N0", CultureInfo.InvariantCulture)}"));
        var when = row.FirstSeen is { } f && row.LastSeen is { } l ? $" between {f:yyyy-MM-dd} and {l:yyyy-MM-dd}" : "";
        var count = row.Messages.ToString("N0", CultureInfo.InvariantCulture);
        var total = Messages.ToString("N0", CultureInfo.InvariantCulture);
        var lead = $"{row.Address} received copies of {count} of {total} messages{when} ({how}).";
        return row.RuleId switch
        {
            "MCPG700" => lead + $" It is listed as malicious ({(_badAddresses.Contains(row.Address) ? row.Address : MailAddresses.Domain(row.Address))}): those messages were exfiltrated.",
            "MCPG702" => lead + $" Hidden on {row.Share:P1} of all mail: something adds this recipient systematically.",
            _ => lead + " It is outside the trusted domains and the expected recipients.",
        };
    }

    private static JsonObject Evidence(SuspiciousRecipient row)
    {
        var roles = new JsonObject();
        foreach (var (k, v) in row.Roles)
        {
            roles[k] = v;
        }

        var subjects = new JsonArray();
        foreach (var s in row.SampleSubjects)
        {
            // The non-generic Add: JsonArray.Add<T> serialises by reflection, which Native AOT cannot do.
            subjects.Add((JsonNode?)JsonValue.Create(s));
        }

        return new JsonObject
        {
            ["address"] = row.Address,
            ["count"] = row.Messages,
            ["share"] = row.Share,
            ["firstSeen"] = row.FirstSeen?.ToString("O", CultureInfo.InvariantCulture),
            ["lastSeen"] = row.LastSeen?.ToString("O", CultureInfo.InvariantCulture),
            ["roles"] = roles,
            ["sampleSubjects"] = subjects,
            ["source"] = row.Source,
        };
    }

    private bool IsKnownBad(string address) =>
        _badAddresses.Contains(address) || (_badDomains.Count > 0 && InDomainSet(MailAddresses.Domain(address), _badDomains));

    private bool IsTrusted(string address)
    {
        if (_trustedDomains.Count == 0)
        {
            return false;
        }

        var domain = MailAddresses.Domain(address);
        if (!_domainVerdicts.TryGetValue(domain, out var trusted))
        {
            trusted = InDomainSet(domain, _trustedDomains);
            _domainVerdicts[domain] = trusted;
        }

        return trusted;
    }

    /// <summary>True when the domain or any parent domain is in the set (mail.example.com is in example.com).</summary>
    private static bool InDomainSet(string domain, HashSet<string> set)
    {
        var d = domain;
        while (true)
        {
            if (set.Contains(d))
            {
                return true;
            }

            var dot = d.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return false;
            }

            d = d[(dot + 1)..];
        }
    }

    private static HashSet<string> Lower(IEnumerable<string> items) =>
        new(items.Select(i => i.Trim().TrimStart('@').TrimEnd('.').ToLowerInvariant()), StringComparer.Ordinal);

    private sealed class Stats(bool knownBad)
    {
        private readonly List<string> _subjects = [];

        public bool KnownBad { get; } = knownBad;
        public long Count { get; private set; }
        public long To { get; private set; }
        public long Cc { get; private set; }
        public long Bcc { get; private set; }
        public long Extra { get; private set; }
        public long Unknown { get; private set; }

        /// <summary>Deliveries nobody else on the message could see (Bcc, extra envelope, or unknown role with others).</summary>
        public long Hidden => Bcc + Extra + Unknown;
        public DateTimeOffset? First { get; private set; }
        public DateTimeOffset? Last { get; private set; }
        public IReadOnlyList<string> Subjects => _subjects;

        public void Add(RecipientRole role, DateTimeOffset? date, string? subject, MailAuditOptions options)
        {
            Count++;
            switch (role)
            {
                case RecipientRole.To: To++; break;
                case RecipientRole.Cc: Cc++; break;
                case RecipientRole.Bcc: Bcc++; break;
                case RecipientRole.Extra: Extra++; break;
                default: Unknown++; break;
            }

            if (date is { } d)
            {
                if (First is null || d < First)
                {
                    First = d;
                }

                if (Last is null || d > Last)
                {
                    Last = d;
                }
            }

            if (!string.IsNullOrWhiteSpace(subject) && _subjects.Count < options.MaxSampleSubjects)
            {
                var s = subject.Trim();
                s = s.Length > options.MaxSubjectLength ? s[..options.MaxSubjectLength] + "…" : s;
                if (!_subjects.Contains(s, StringComparer.Ordinal))
                {
                    _subjects.Add(s);
                }
            }
        }

        public IReadOnlyDictionary<string, long> Roles() => new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["bcc"] = Bcc,
            ["cc"] = Cc,
            ["extra"] = Extra,
            ["to"] = To,
            ["unknown"] = Unknown,
        };
    }
}
