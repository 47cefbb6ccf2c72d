using System.Globalization;
using System.Text.Json;

namespace McpGuard.Investigate.MailAudit;

/// <summary>Dates as providers write them: ISO 8601, RFC 2822, or Unix seconds (SendGrid, Mailgun).</summary>
internal static class MailDates
{
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
        {
            return d;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return FromUnix(seconds);
        }

        return MimeKit.Utils.DateUtils.TryParse(text, out var rfc) ? rfc : null;
    }

    public static DateTimeOffset? Parse(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetDouble(out var s) => FromUnix(s),
            JsonValueKind.String => Parse(v.GetString()),
            _ => null,
        };
    }

    private static DateTimeOffset? FromUnix(double seconds) =>
        seconds is > 0 and < 32503680000 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : null;
}
