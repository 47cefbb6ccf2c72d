using MimeKit;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Turns the many ways logs write addresses ("Name &lt;a@b&gt;", "a@b, c@d", "&lt;a@b&gt;") into lower-case addr-specs.</summary>
internal static class MailAddresses
{
    private static readonly char[] s_listChars = [',', ';', '<', '"', '('];

    /// <summary>Appends every address in <paramref name="text"/> with <paramref name="role"/>.</summary>
    public static void AddAll(List<MailRecipient> into, string? text, RecipientRole role)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        // Fast path for the common plain "user@example.com": no MIME parsing per log record.
        if (text.IndexOfAny(s_listChars) < 0)
        {
            var plain = Normalize(text);
            if (plain is not null)
            {
                into.Add(new MailRecipient(plain, role));
            }

            return;
        }

        if (InternetAddressList.TryParse(ParserOptions.Default, text, out var list))
        {
            foreach (var mailbox in list.Mailboxes)
            {
                var address = Normalize(mailbox.Address);
                if (address is not null)
                {
                    into.Add(new MailRecipient(address, role));
                }
            }

            return;
        }

        // Not RFC 5322 (e.g. "a@b; c@d" with odd quoting): fall back to splitting, so nothing is silently dropped.
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = Normalize(part.Trim('<', '>', '"', ' '));
            if (address is not null)
            {
                into.Add(new MailRecipient(address, role));
            }
        }
    }

    public static void AddAll(List<MailRecipient> into, InternetAddressList? list, RecipientRole role)
    {
        if (list is null)
        {
            return;
        }

        foreach (var mailbox in list.Mailboxes)
        {
            var address = Normalize(mailbox.Address);
            if (address is not null)
            {
                into.Add(new MailRecipient(address, role));
            }
        }
    }

    /// <summary>Lower-case, trimmed, angle brackets removed; null when it is not an address (no '@').</summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var span = text.AsSpan().Trim().Trim("<>").Trim();
        var at = span.LastIndexOf('@');
        if (at <= 0 || at == span.Length - 1)
        {
            return null;
        }

        return span.ToString().ToLowerInvariant();
    }

    public static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];

    /// <summary>
    /// Roles from headers plus an envelope: every envelope address not already listed becomes <see cref="RecipientRole.Extra"/>.
    /// Duplicates are folded, keeping the most hidden role (Bcc over Cc over To), because hiding is what is audited.
    /// </summary>
    public static IReadOnlyList<MailRecipient> Merge(List<MailRecipient> headers, IEnumerable<string>? envelope)
    {
        var byAddress = new Dictionary<string, RecipientRole>(StringComparer.Ordinal);
        foreach (var r in headers)
        {
            byAddress[r.Address] = byAddress.TryGetValue(r.Address, out var seen) ? MoreHidden(seen, r.Role) : r.Role;
        }

        foreach (var e in envelope ?? [])
        {
            var address = Normalize(e);
            if (address is not null && !byAddress.ContainsKey(address))
            {
                byAddress[address] = headers.Count == 0 ? RecipientRole.Unknown : RecipientRole.Extra;
            }
        }

        var result = new MailRecipient[byAddress.Count];
        var i = 0;
        foreach (var (address, role) in byAddress)
        {
            result[i++] = new MailRecipient(address, role);
        }

        return result;
    }

    private static RecipientRole MoreHidden(RecipientRole a, RecipientRole b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(RecipientRole r) => r switch
    {
        RecipientRole.To => 0,
        RecipientRole.Unknown => 1,
        RecipientRole.Cc => 2,
        RecipientRole.Extra => 3,
        _ => 4,
    };
}
