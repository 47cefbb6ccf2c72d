namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>The registered mail API profiles.</summary>
internal static class MailApiProfiles
{
    public static IReadOnlyList<IMailApiProfile> All { get; } =
    [
        new PostmarkProfile(),
        new SendGridProfile(),
        new MailgunProfile(),
        new ResendProfile(),
        new SesV2Profile(),
        new GraphSendMailProfile(),
        new GmailProfile(),
    ];

    public static IMailApiProfile? Find(EgressRequest request)
    {
        foreach (var profile in All)
        {
            if (profile.Matches(request))
            {
                return profile;
            }
        }

        return null;
    }
}
