namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Knows one mail provider's send API: which requests send mail and where their recipients are. One class per API,
/// registered in <see cref="MailApiProfiles.All"/>; adding an API touches nothing else.
/// </summary>
internal interface IMailApiProfile
{
    string Name { get; }

    /// <summary>True for requests to this API that can send mail (host and method; paths are checked inside).</summary>
    bool Matches(EgressRequest request);

    /// <summary>
    /// Every recipient in the request, and its senders, from one parse of the body. Throws
    /// <see cref="MailApiFormatException"/> when the recipients cannot be read: the proxy then blocks the request,
    /// because recipients it cannot see cannot be checked (fail closed).
    /// </summary>
    MailEnvelope Read(EgressRequest request);
}

/// <summary>A recipient and where it was found (e.g. "Bcc", "personalizations.bcc", "MIME To").</summary>
internal sealed record MailRecipient(string Field, string Address);

/// <summary>
/// What a send request addresses. <paramref name="Senders"/> (From) receive nothing, and these APIs only send from
/// identities verified on the account, so the server's configured From address is not an exfiltration channel: the
/// generic unexpected-address rule (MCPG605) skips it. Reply-To is not a sender.
/// </summary>
internal sealed record MailEnvelope(IReadOnlyList<MailRecipient> Recipients, IReadOnlyList<string> Senders)
{
    public static MailEnvelope RecipientsOnly(IReadOnlyList<MailRecipient> recipients) => new(recipients, []);
}

internal sealed class MailApiFormatException(string message, Exception? inner = null) : Exception(message, inner);
