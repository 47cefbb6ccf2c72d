using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using McpGuard.Core.Intel;
using McpGuard.Investigate.MailAudit;

namespace McpGuard.Benchmarks;

/// <summary>
/// mail-audit throughput on generated files: an SES Firehose JSON-lines file, a Postfix log and an mbox. Each
/// category has a same-run baseline that only reads the file (lines, or lines plus JSON parsing), so the cost of
/// the audit itself shows. Records per second = the record count in the category name / the mean.
/// Run: dotnet run -c Release --project bench/McpGuard.Benchmarks -- --filter '*MailAudit*' --inProcess --launchCount 1 --warmupCount 1 --iterationCount 5
/// (in-process: on a busy shared machine, BenchmarkDotNet's separate build of a generated project times out).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MailAuditBenchmarks
{
    public const int SesRecords = 100_000;       // 50,000 messages, Send + Delivery events each
    public const int PostfixMessages = 50_000;   // 4 lines each: 200,000 log records
    public const int MboxMessages = 20_000;
    public const int PostmarkExportMessages = 50_000;
    public const int SendGridEvents = 100_000;
    public const int MailgunEvents = 100_000;
    public const int CsvRows = 100_000;
    public const int EximMessages = 50_000;     // 4 lines each: 200,000 log records

    private static readonly MailAuditOptions s_options = new MailAuditOptions()
    {
        TrustedDomains = ["shop.example"],
    }.WithIntel(IntelDatabase.BuiltIn);

    private static readonly JsonDocumentOptions s_strict = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    private string _dir = "";
    private string _ses = "";
    private string _postfix = "";
    private string _mbox = "";
    private string _postmark = "";
    private string _sendgrid = "";
    private string _mailgun = "";
    private string _csv = "";
    private string _exim = "";

    [GlobalSetup]
    public void Setup()
    {
        // In-process runs call this once per benchmark: the files are written once per process and removed at exit.
        _dir = Path.Combine(Path.GetTempPath(), "mcpguard-bench-mail-" + Environment.ProcessId);
        var fresh = !Directory.Exists(_dir);
        Directory.CreateDirectory(_dir);
        if (fresh)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(_dir, recursive: true);
        }

        _ses = Make("ses.jsonl", WriteSes);
        _postfix = Make("mail.log", WritePostfix);
        _mbox = Make("sent.mbox", WriteMbox);
        _postmark = Make("postmark-export.json", p => MailBenchFiles.WritePostmarkExport(p, PostmarkExportMessages));
        _sendgrid = Make("sendgrid-events.json", p => MailBenchFiles.WriteSendGrid(p, SendGridEvents));
        _mailgun = Make("mailgun-events.json", p => MailBenchFiles.WriteMailgun(p, MailgunEvents));
        _csv = Make("messages.csv", p => MailBenchFiles.WriteCsv(p, CsvRows));
        _exim = Make("mainlog", p => MailBenchFiles.WriteExim(p, EximMessages));
    }

    private string Make(string name, Action<string> write)
    {
        var path = Path.Combine(_dir, name);
        if (!File.Exists(path))
        {
            write(path);
        }

        return path;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ses-100k-records")]
    public long SesReadLines() => CountLines(_ses);

    [Benchmark, BenchmarkCategory("ses-100k-records")]
    public long SesParseJsonLines()
    {
        long n = 0;
        foreach (var line in File.ReadLines(_ses))
        {
            using var doc = JsonDocument.Parse(line);
            n += doc.RootElement.GetPropertyCount();
        }

        return n;
    }

    /// <summary>The same parse with the options mail-audit uses (duplicate keys rejected, comments skipped).</summary>
    [Benchmark, BenchmarkCategory("ses-100k-records")]
    public long SesParseJsonLinesStrict()
    {
        long n = 0;
        foreach (var line in File.ReadLines(_ses))
        {
            using var doc = JsonDocument.Parse(line, s_strict);
            n += doc.RootElement.GetPropertyCount();
        }

        return n;
    }

    [Benchmark, BenchmarkCategory("ses-100k-records")]
    public long SesAudit() => Audit(_ses);

    [Benchmark(Baseline = true), BenchmarkCategory("postfix-200k-lines")]
    public long PostfixReadLines() => CountLines(_postfix);

    [Benchmark, BenchmarkCategory("postfix-200k-lines")]
    public long PostfixAudit() => Audit(_postfix);

    [Benchmark(Baseline = true), BenchmarkCategory("mbox-20k-messages")]
    public long MboxReadLines() => CountLines(_mbox);

    /// <summary>How mail-audit read mboxes before: MimeParser building every message (bodies scanned as MIME entities).</summary>
    [Benchmark, BenchmarkCategory("mbox-20k-messages")]
    public long MboxMimeParserMessages()
    {
        using var stream = File.OpenRead(_mbox);
        var parser = new MimeKit.MimeParser(stream, MimeKit.MimeFormat.Mbox, persistent: true);
        long n = 0;
        while (!parser.IsEndOfStream)
        {
            n += parser.ParseMessage().To.Count;
        }

        return n;
    }

    [Benchmark, BenchmarkCategory("mbox-20k-messages")]
    public long MboxAudit() => Audit(_mbox);

    [Benchmark(Baseline = true), BenchmarkCategory("postmark-export-50k-messages")]
    public long PostmarkExportReadLines() => CountLines(_postmark);

    [Benchmark, BenchmarkCategory("postmark-export-50k-messages")]
    public long PostmarkExportAudit() => Audit(_postmark);

    [Benchmark(Baseline = true), BenchmarkCategory("sendgrid-100k-events")]
    public long SendGridReadLines() => CountLines(_sendgrid);

    [Benchmark, BenchmarkCategory("sendgrid-100k-events")]
    public long SendGridAudit() => Audit(_sendgrid);

    [Benchmark(Baseline = true), BenchmarkCategory("mailgun-100k-events")]
    public long MailgunReadLines() => CountLines(_mailgun);

    [Benchmark, BenchmarkCategory("mailgun-100k-events")]
    public long MailgunAudit() => Audit(_mailgun);

    [Benchmark(Baseline = true), BenchmarkCategory("csv-100k-rows")]
    public long CsvReadLines() => CountLines(_csv);

    /// <summary>CsvHelper alone reading every field: the floor for any CSV audit.</summary>
    [Benchmark, BenchmarkCategory("csv-100k-rows")]
    public long CsvHelperFields()
    {
        using var csv = CsvHelper.CsvReader.Create(new StreamReader(_csv), new CsvHelper.CsvReaderOptions { HasHeader = true }, false);
        long n = 0;
        while (csv.Read())
        {
            for (var i = 0; i < csv.FieldCount; i++)
            {
                n += csv.GetStringOrNull(i)?.Length ?? 0;
            }
        }

        return n;
    }

    [Benchmark, BenchmarkCategory("csv-100k-rows")]
    public long CsvAudit() => Audit(_csv);

    [Benchmark(Baseline = true), BenchmarkCategory("exim-200k-lines")]
    public long EximReadLines() => CountLines(_exim);

    [Benchmark, BenchmarkCategory("exim-200k-lines")]
    public long EximAudit() => Audit(_exim);

    private static long CountLines(string path)
    {
        long n = 0;
        foreach (var _ in File.ReadLines(path))
        {
            n++;
        }

        return n;
    }

    private static long Audit(string path)
    {
        var result = MailAuditRunner.AuditFileAsync(path, null, s_options).GetAwaiter().GetResult();
        // A benchmark that stopped detecting would measure nothing: every generated file hides the postmark-mcp copy.
        if (!result.Recipients.Any(r => r.Address == "phan@giftshop.club" && r.RuleId == "MCPG700") || result.Skipped > 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(path)}: audit missed the hidden copy or skipped {result.Skipped} records");
        }

        return result.MessagesScanned;
    }

    private static void WriteSes(string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        var start = new DateTimeOffset(2025, 9, 16, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < SesRecords / 2; i++)
        {
            var destination = i % 10 == 3
                ? $"[\"customer{i}@example.net\",\"archive@shop.example\",\"phan@giftshop.club\"]"
                : $"[\"customer{i}@example.net\",\"archive@shop.example\"]";
            var mail = $"{{\"timestamp\":\"{start.AddSeconds(i):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"source\":\"billing@shop.example\",\"sourceArn\":\"arn:aws:ses:eu-west-1:111122223333:identity/shop.example\",\"sendingAccountId\":\"111122223333\",\"messageId\":\"0102019a-{i:x8}-ses\",\"destination\":{destination},\"headersTruncated\":false,\"commonHeaders\":{{\"from\":[\"Shop <billing@shop.example>\"],\"to\":[\"customer{i}@example.net\"],\"bcc\":[\"archive@shop.example\"],\"messageId\":\"0102019a-{i:x8}-ses\",\"subject\":\"Your order {i} has shipped\"}}}}";
            w.Write("{\"eventType\":\"Send\",\"mail\":");
            w.Write(mail);
            w.WriteLine(",\"send\":{}}");
            w.Write("{\"eventType\":\"Delivery\",\"mail\":");
            w.Write(mail);
            w.WriteLine($",\"delivery\":{{\"timestamp\":\"{start.AddSeconds(i + 1):yyyy-MM-ddTHH:mm:ss.fffZ}\",\"processingTimeMillis\":812,\"recipients\":{destination},\"smtpResponse\":\"250 2.0.0 OK\",\"reportingMTA\":\"a8-1.smtp-out.eu-west-1.amazonses.com\"}}}}");
        }
    }

    private static void WritePostfix(string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        for (var i = 0; i < PostfixMessages; i++)
        {
            var qid = $"{0x4F9D8C0A1BL + i:X10}";
            var t = $"2025-09-16T{i / 3600 % 24:00}:{i / 60 % 60:00}:{i % 60:00}.000000+00:00";
            w.WriteLine($"{t} mx1 postfix/qmgr[2103]: {qid}: from=<billing@shop.example>, size=2314, nrcpt=2 (queue active)");
            w.WriteLine($"{t} mx1 postfix/smtp[2104]: {qid}: to=<customer{i}@example.net>, relay=mx.example.net[192.0.2.10]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)");
            w.WriteLine(i % 10 == 3
                ? $"{t} mx1 postfix/smtp[2105]: {qid}: to=<phan@giftshop.club>, relay=mx.giftshop.club[198.51.100.7]:25, delay=1, dsn=2.0.0, status=sent (250 OK)"
                : $"{t} mx1 postfix/smtp[2105]: {qid}: to=<archive@shop.example>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered)");
            w.WriteLine($"{t} mx1 postfix/qmgr[2103]: {qid}: removed");
        }
    }

    private static void WriteMbox(string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        var start = new DateTimeOffset(2025, 9, 16, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < MboxMessages; i++)
        {
            var d = start.AddMinutes(i);
            w.Write($"From billing@shop.example {d:ddd MMM dd HH:mm:ss yyyy}\n");
            w.Write($"From: Shop Billing <billing@shop.example>\nTo: Customer {i} <customer{i}@example.net>\n");
            if (i % 10 == 3)
            {
                w.Write("Bcc: phan@giftshop.club\n");
            }

            w.Write($"Subject: Your order {i} has shipped\nDate: {d:ddd, dd MMM yyyy HH:mm:ss} +0000\nMessage-ID: <{i}.bench@shop.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n");
            for (var l = 0; l < 20; l++)
            {
                w.Write("Thank you for your order. This line pads the body to a realistic size of about 1.5 KB.\n");
            }

            w.Write("\n");
        }
    }
}
