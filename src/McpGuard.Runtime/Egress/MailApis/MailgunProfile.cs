using System.Collections.Specialized;
using System.Text;
using MimeKit;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>
/// Mailgun (api.mailgun.net, api.eu.mailgun.net, POST /v3/DOMAIN/messages and messages.mime): form fields to, cc, bcc
/// (each may repeat and hold a comma list), urlencoded or multipart; for messages.mime the MIME "message" part's
/// headers count too.
/// </summary>
internal sealed class MailgunProfile : IMailApiProfile
{
    private static readonly string[] s_fields = ["to", "cc", "bcc"];

    public string Name => "mailgun";

    public bool Matches(EgressRequest request) =>
        request.Host is "api.mailgun.net" or "api.eu.mailgun.net" && MailParsing.IsSendMethod(request) && request.Body.Length > 0;

    public MailEnvelope Read(EgressRequest request)
    {
        var recipients = new List<MailRecipient>();
        var type = request.ContentType ?? string.Empty;
        if (type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var form = System.Web.HttpUtility.ParseQueryString(Encoding.UTF8.GetString(request.Body));
            AddFormFields(form, recipients);
        }
        else if (type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            AddMultipart(type, request.Body, recipients);
        }
        else
        {
            throw new MailApiFormatException($"Mailgun body has content type '{type}', expected a form");
        }

        return MailEnvelope.RecipientsOnly(recipients);
    }

    private static void AddFormFields(NameValueCollection form, List<MailRecipient> into)
    {
        foreach (var key in form.AllKeys)
        {
            if (key is not null && s_fields.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                foreach (var value in form.GetValues(key) ?? [])
                {
                    MailParsing.AddAddressList(value, key, into);
                }
            }
        }
    }

    private static void AddMultipart(string contentType, byte[] body, List<MailRecipient> into)
    {
        MimeEntity entity;
        try
        {
            using var stream = new MemoryStream();
            stream.Write(Encoding.ASCII.GetBytes("Content-Type: " + contentType + "\r\n\r\n"));
            stream.Write(body);
            stream.Position = 0;
            entity = MimeEntity.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new MailApiFormatException("Mailgun multipart body could not be parsed", ex);
        }

        if (entity is not Multipart multipart || multipart.Count == 0)
        {
            throw new MailApiFormatException("Mailgun multipart body has no parts");
        }

        foreach (var part in multipart.OfType<MimePart>())
        {
            var name = part.ContentDisposition?.Parameters["name"];
            if (name is null)
            {
                continue;
            }

            using var content = new MemoryStream();
            part.Content?.DecodeTo(content);
            if (s_fields.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                MailParsing.AddAddressList(Encoding.UTF8.GetString(content.ToArray()), name, into);
            }
            else if (name.Equals("message", StringComparison.OrdinalIgnoreCase))
            {
                MailParsing.AddMimeRecipients(content.ToArray(), "MIME", into);
            }
        }
    }
}
