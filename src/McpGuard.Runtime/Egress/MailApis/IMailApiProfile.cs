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
    /// Every recipient in the request. Throws <see cref="MailApiFormatException"/> when the body cannot be parsed:
    /// the proxy then blocks the request, because recipients it cannot see cannot be checked (fail closed).
    /// </summary>
    IReadOnlyList<MailRecipient> GetRecipients(EgressRequest request);

    /// <summary>
    /// The sender addresses (From) of a request that <see cref="GetRecipients"/> accepted. A sender receives nothing,
    /// and these APIs only send from identities verified on the account, so the server's configured From address is
    /// not an exfiltration channel: the generic unexpected-address rule (MCPG605) skips it. Reply-To is not a sender.
    /// </summary>
    IReadOnlyList<string> GetSenders(EgressRequest request) => [];
}

/// <summary>A recipient and where it was found (e.g. "Bcc", "personalizations.bcc", "MIME To").</summary>
internal sealed record MailRecipient(string Field, string Address);

internal sealed class MailApiFormatException(string message, Exception? inner = null) : Exception(message, inner);
