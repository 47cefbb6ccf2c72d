using System.Text;
using System.Text.Json;
using MimeKit;

namespace McpGuard.Runtime.Egress.MailApis;

/// <summary>Shared parsing for the profiles: strict JSON, address lists, recipient fields at any depth, MIME headers.</summary>
internal static class MailParsing
{
    // Strict: duplicate keys are how "Bcc" hides behind a second "Bcc"; providers reject comments anyway.
    private static readonly JsonDocumentOptions s_json = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    private static readonly string[] s_mimeRecipientHeaders = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"];

    public static bool IsSendMethod(EgressRequest request) =>
        request.Method is not ("GET" or "HEAD" or "OPTIONS" or "DELETE");

    public static JsonDocument ParseJson(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body, s_json);
        }
        catch (JsonException ex)
        {
            throw new MailApiFormatException("body is not valid JSON", ex);
        }
    }

    /// <summary>
    /// Collects every property whose name is in <paramref name="fields"/> (ignoring case, because providers match
    /// names loosely and "bcc" must not slip past a check for "Bcc"), at any depth, so batch and nested shapes
    /// are covered without a schema per endpoint.
    /// </summary>
    public static void CollectJsonRecipients(JsonElement element, IReadOnlyCollection<string> fields, List<MailRecipient> into, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var childPath = path.Length == 0 ? property.Name : path + "." + property.Name;
                    if (fields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                    {
                        AddRecipientValue(property.Value, childPath, into);
                    }
                    else
                    {
                        CollectJsonRecipients(property.Value, fields, into, childPath);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectJsonRecipients(item, fields, into, path);
                }

                break;
        }
    }

    /// <summary>A recipient value: "a@x, B &lt;b@y&gt;", ["a@x"], [{"email": "a@x"}], {"emailAddress": {"address": "a@x"}}.</summary>
    private static void AddRecipientValue(JsonElement value, string field, List<MailRecipient> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                AddAddressList(value.GetString()!, field, into);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    AddRecipientValue(item, field, into);
                }

                break;
            case JsonValueKind.Object:
                var found = false;
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Name.Equals("email", StringComparison.OrdinalIgnoreCase)
                        || property.Name.Equals("address", StringComparison.OrdinalIgnoreCase)
                        || property.Name.Equals("emailAddress", StringComparison.OrdinalIgnoreCase))
                    {
                        AddRecipientValue(property.Value, field, into);
                        found = true;
                    }
                }

                if (!found)
                {
                    throw new MailApiFormatException($"recipient object in '{field}' has no address");
                }

                break;
            case JsonValueKind.Null:
                break;
            default:
                throw new MailApiFormatException($"recipient field '{field}' has an unexpected type");
        }
    }

    /// <summary>Parses "a@x.com, Name &lt;b@y.com&gt;" with MimeKit; an unparsable list fails closed.</summary>
    public static void AddAddressList(string text, string field, List<MailRecipient> into)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (!InternetAddressList.TryParse(ParserOptions.Default, text, out var list))
        {
            throw new MailApiFormatException($"recipient field '{field}' is not an address list");
        }

        var before = into.Count;
        foreach (var mailbox in list.Mailboxes)
        {
            into.Add(new MailRecipient(field, mailbox.Address));
        }

        if (into.Count == before && text.Contains('@', StringComparison.Ordinal))
        {
            throw new MailApiFormatException($"recipient field '{field}' holds an address that could not be parsed");
        }
    }

    /// <summary>Recipients in the headers of an RFC 822 message (To, Cc, Bcc and their Resent- forms).</summary>
    public static void AddMimeRecipients(byte[] message, string field, List<MailRecipient> into)
    {
        HeaderList headers;
        try
        {
            using var stream = new MemoryStream(message);
            headers = HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException ex)
        {
            throw new MailApiFormatException($"{field} is not a MIME message", ex);
        }

        var before = into.Count;
        foreach (var header in headers)
        {
            if (s_mimeRecipientHeaders.Contains(header.Field, StringComparer.OrdinalIgnoreCase))
            {
                AddAddressList(header.Value, $"{field} {header.Field}", into);
            }
        }

        if (into.Count == before)
        {
            // A raw message with no recipient header is either garbage or relies on something we cannot see.
            throw new MailApiFormatException($"{field} names no recipient");
        }
    }

    /// <summary>base64url (Gmail) or standard base64 (SES), padding optional.</summary>
    public static byte[] DecodeBase64Any(string text, string field)
    {
        var normalized = text.Trim().Replace('-', '+').Replace('_', '/');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(normalized);
        }
        catch (FormatException ex)
        {
            throw new MailApiFormatException($"{field} is not base64", ex);
        }
    }

    public static string BodyText(EgressRequest request) => Encoding.UTF8.GetString(request.Body);
}
