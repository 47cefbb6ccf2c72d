using System.Text;

namespace McpGuard.Benchmarks;

/// <summary>
/// Generated mail logs of realistic shape and size for <see cref="MailAuditBenchmarks"/>: one message in ten carries
/// the postmark-mcp hidden copy, the rest go to a customer plus a trusted archive address.
/// </summary>
internal static class MailBenchFiles
{
    private static readonly DateTimeOffset s_start = new(2025, 9, 16, 0, 0, 0, TimeSpan.Zero);

    private static StreamWriter Create(string path) => new(path, false, new UTF8Encoding(false));

    private static bool Bad(int i) => i % 10 == 3;

    /// <summary>Postmark "outbound messages" export: one JSON document, a Messages array of message objects.</summary>
    public static void WritePostmarkExport(string path, int messages)
    {
        using var w = Create(path);
        w.Write($"{{\"TotalCount\":{messages},\"Messages\":[");
        for (var i = 0; i < messages; i++)
        {
            var bcc = Bad(i) ? "{\"Email\":\"phan@giftshop.club\",\"Name\":\"\"}" : "";
            var recipients = Bad(i) ? $"\"customer{i}@example.net\",\"phan@giftshop.club\"" : $"\"customer{i}@example.net\"";
            w.Write(i == 0 ? "\n" : ",\n");
            w.Write($"{{\"Tag\":\"invoice\",\"MessageID\":\"0ac29aee-e1cd-480d-b08d-{i:x12}\",\"MessageStream\":\"outbound\",\"To\":[{{\"Email\":\"customer{i}@example.net\",\"Name\":\"Customer {i}\"}}],\"Cc\":[],\"Bcc\":[{bcc}],\"Recipients\":[{recipients}],\"ReceivedAt\":\"{s_start.AddSeconds(i):yyyy-MM-ddTHH:mm:ss.fffzzz}\",\"From\":\"\\\"Shop\\\" <billing@shop.example>\",\"Subject\":\"Your invoice #{i}\",\"Attachments\":[],\"Status\":\"Sent\",\"TrackOpens\":false,\"TrackLinks\":\"None\",\"Metadata\":{{}},\"Sandboxed\":false}}");
        }

        w.Write("\n]}\n");
    }

    /// <summary>SendGrid Event Webhook posts stored as one JSON array: processed + delivered per recipient.</summary>
    public static void WriteSendGrid(string path, int events)
    {
        using var w = Create(path);
        w.Write('[');
        var n = 0;
        for (var i = 0; n < events; i++)
        {
            string[] rcpts = Bad(i) ? [$"customer{i}@example.net", "phan@giftshop.club"] : [$"customer{i}@example.net"];
            foreach (var r in rcpts)
            {
                foreach (var e in new[] { "processed", "delivered" })
                {
                    if (n >= events)
                    {
                        break;
                    }

                    w.Write(n++ == 0 ? "\n" : ",\n");
                    w.Write($"{{\"email\":\"{r}\",\"timestamp\":{1758013200 + i},\"smtp-id\":\"<sg{i:x8}.abc@ismtpd0001p1lon1.sendgrid.net>\",\"event\":\"{e}\",\"category\":[\"receipt\"],\"sg_event_id\":\"ev-{i}-{r.Length}-{e}\",\"sg_message_id\":\"sg{i:x8}.filterdrecv-0.1234.5F8E0B.0\"{(e == "delivered" ? ",\"response\":\"250 OK\"" : "")}}}");
                }
            }
        }

        w.Write("\n]\n");
    }

    /// <summary>Mailgun events API pages saved as one document: an "items" array of per-recipient delivered events.</summary>
    public static void WriteMailgun(string path, int events)
    {
        using var w = Create(path);
        w.Write("{\"items\":[");
        var n = 0;
        for (var i = 0; n < events; i++)
        {
            string[] rcpts = Bad(i) ? [$"customer{i}@example.net", "phan@giftshop.club"] : [$"customer{i}@example.net", "archive@shop.example"];
            foreach (var r in rcpts)
            {
                if (n >= events)
                {
                    break;
                }

                w.Write(n++ == 0 ? "\n" : ",\n");
                w.Write($"{{\"event\":\"delivered\",\"id\":\"evt{i:x8}{r.Length}\",\"timestamp\":{1758013200 + i}.0,\"log-level\":\"info\",\"recipient\":\"{r}\",\"recipient-domain\":\"{r[(r.IndexOf('@') + 1)..]}\",\"envelope\":{{\"sender\":\"bounce@mg.shop.example\",\"targets\":\"{r}\",\"transport\":\"smtp\"}},\"message\":{{\"headers\":{{\"to\":\"Customer {i} <customer{i}@example.net>\",\"message-id\":\"2025091609{i:x8}@mg.shop.example\",\"from\":\"Shop <billing@shop.example>\",\"subject\":\"Your invoice #{i}\"}},\"size\":2048}},\"delivery-status\":{{\"code\":250,\"message\":\"OK\"}}}}");
            }
        }

        w.Write("\n],\"paging\":{}}\n");
    }

    /// <summary>A provider activity export as CSV: one row per message with To, Cc and Bcc columns.</summary>
    public static void WriteCsv(string path, int rows)
    {
        using var w = Create(path);
        w.Write("Message ID,Sent At,From,To,Cc,Bcc,Subject,Status\n");
        for (var i = 0; i < rows; i++)
        {
            var bcc = Bad(i) ? "\"phan@giftshop.club; archive@shop.example\"" : "archive@shop.example";
            w.Write($"m-{i:D7},{s_start.AddSeconds(i):yyyy-MM-ddTHH:mm:ssZ},billing@shop.example,\"Customer {i} <customer{i}@example.net>\",,{bcc},Your invoice #{i},Sent\n");
        }
    }

    /// <summary>An Exim main log: arrival, two deliveries and completion per message.</summary>
    public static void WriteExim(string path, int messages)
    {
        using var w = Create(path);
        for (var i = 0; i < messages; i++)
        {
            var t = s_start.AddSeconds(i).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var id = $"1u{i:x4}-{i % 1000:x6}-{i % 100:D2}";
            w.Write($"{t} {id} <= billing@shop.example U=app P=local S=2314 id={i}.bench@shop.example T=\"Your invoice #{i}\"\n");
            w.Write($"{t} {id} => customer{i}@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok\"\n");
            w.Write(Bad(i)
                ? $"{t} {id} -> phan@giftshop.club R=dnslookup T=remote_smtp H=mx.giftshop.club [198.51.100.7] C=\"250 OK\"\n"
                : $"{t} {id} -> archive@shop.example R=local_user T=local_delivery\n");
            w.Write($"{t} {id} Completed\n");
        }
    }
}
