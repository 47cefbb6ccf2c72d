using System.Text.Json;
using System.Text.RegularExpressions;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Amazon SES v2 (email.REGION.amazonaws.com, POST /v2/email/outbound-emails and outbound-bulk-emails):
/// Destination.ToAddresses/CcAddresses/BccAddresses, plus the headers of Content.Raw.Data (base64 MIME).
/// The v1 query API (form-encoded) is not JSON, so it fails to parse and is blocked (fail closed).
/// </summary>
internal sealed partial class SesV2Profile : IMailApiProfile
{
    private static readonly string[] s_fields = ["ToAddresses", "CcAddresses", "BccAddresses"];
    private static readonly string[] s_senderFields = ["FromEmailAddress"];

    public string Name => "amazon-ses-v2";

    public bool Matches(EgressRequest request) =>
        SesHost().IsMatch(request.Host) && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public MailEnvelope Read(EgressRequest request)
    {
        using var document = MailParsing.ParseJson(request.Body);
        var recipients = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_fields, recipients);
        CollectRaw(document.RootElement, recipients);
        var senders = new List<MailRecipient>();
        MailParsing.CollectJsonRecipients(document.RootElement, s_senderFields, senders);
        return new MailEnvelope(recipients, [.. senders.Select(s => s.Address)]);
    }

    private static void CollectRaw(JsonElement element, List<MailRecipient> into)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.Equals("Raw", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var data in property.Value.EnumerateObject())
                    {
                        if (data.Name.Equals("Data", StringComparison.OrdinalIgnoreCase) && data.Value.ValueKind == JsonValueKind.String)
                        {
                            MailParsing.AddMimeRecipients(MailParsing.DecodeBase64Any(data.Value.GetString()!, "Raw.Data"), "Raw MIME", into);
                        }
                    }
                }
                else
                {
                    CollectRaw(property.Value, into);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                CollectRaw(item, into);
            }
        }
    }

    [GeneratedRegex(@"^email(-fips)?\.[a-z0-9-]+\.amazonaws\.com$", RegexOptions.CultureInvariant)]
    private static partial Regex SesHost();
}
