using System.CommandLine;
using System.Globalization;
using McpGuard.Core;
using McpGuard.Core.Findings;
using McpGuard.Core.Reports;
using McpGuard.Investigate.MailAudit;
using McpGuard.Investigate.MailAudit.Postmark;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard mail-audit</c>: finds hidden and unexpected recipients (the postmark-mcp Bcc) in mail logs, exports,
/// mail files, or a Postmark server read live through its API.
/// </summary>
internal static class MailAuditCommand
{
    /// <summary>The environment variable read for the Postmark token when no other is named.</summary>
    public const string DefaultTokenVariable = "POSTMARK_SERVER_TOKEN";

    private static readonly string[] s_formats = ["table", "json", "sarif", "csv"];

    public static Command Create(CliContext context)
    {
        var input = new Option<string?>("--input", "-i") { Description = "A mail log, provider export, .eml/.mbox file or folder of .eml files to audit." };
        var inputFormat = new Option<string?>("--input-format") { Description = $"Force the input format instead of detecting it: {string.Join(", ", MailAuditRunner.FormatNames)}." };
        var csvMap = new Option<string?>("--csv-map") { Description = "CSV columns, e.g. to=To,cc=Cc,bcc=Bcc,subject=Subject,date=Date,id=MessageID (recipient=COL for per-delivery rows)." };
        var token = new Option<string?>("--postmark-token") { Description = $"Read a Postmark server live with this Server API token (visible in the process list: prefer {DefaultTokenVariable} or --postmark-token-env)." };
        var tokenEnv = new Option<string?>("--postmark-token-env") { Description = $"Read the Postmark Server API token from this environment variable (default {DefaultTokenVariable} when no --input is given)." };
        var apiBase = new Option<string?>("--api-base") { Description = "Postmark API root, for proxies and tests (default https://api.postmarkapp.com/)." };
        var details = new Option<string>("--postmark-details")
        {
            Description = "Fetch message details (Bcc/Cc) from Postmark: auto (when the search entry is incomplete), always or never.",
            DefaultValueFactory = _ => "auto",
        };
        details.AcceptOnlyFromAmong("auto", "always", "never");
        var since = new Option<string?>("--since") { Description = "Only messages sent at or after this date/time (ISO 8601, e.g. 2025-09-15)." };
        var until = new Option<string?>("--until") { Description = "Only messages sent at or before this date/time (ISO 8601; a bare date includes that whole day)." };
        var trusted = new Option<string[]>("--trusted-domain")
        {
            Description = "A domain (and its subdomains) whose addresses may receive copies; repeat or separate with commas.",
            AllowMultipleArgumentsPerToken = true,
        };
        var expected = new Option<string?>("--expected") { Description = "File of addresses that may receive copies, one per line (# comments)." };
        var share = new Option<double>("--hidden-copy-share")
        {
            Description = "Flag a hidden recipient on at least this share of all messages (0-1).",
            DefaultValueFactory = _ => new MailAuditOptions().HiddenCopyMinShare,
        };
        var minMessages = new Option<int>("--hidden-copy-min")
        {
            Description = "Flag it only when it is also on at least this many messages.",
            DefaultValueFactory = _ => new MailAuditOptions().HiddenCopyMinMessages,
        };
        var format = new Option<string>("--format", "-f") { Description = "Output format: table, json, sarif or csv (one row per suspicious recipient).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong(s_formats);
        var report = new ReportOptions();

        var command = new Command("mail-audit", "Find hidden Bcc/Cc recipients in mail logs, provider exports, mail files or a live Postmark server.");
        foreach (var o in new Option[] { input, inputFormat, csvMap, token, tokenEnv, apiBase, details, since, until, trusted, expected, share, minMessages, format, report.Output, report.FailOn })
        {
            command.Add(o);
        }

        report.FailOn.AcceptOnlyFromAmong(SeverityNames.All);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new MailAuditOptions
            {
                TrustedDomains = [.. (parse.GetValue(trusted) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                ExpectedAddresses = ReadExpected(parse.GetValue(expected), context),
                HiddenCopyMinShare = parse.GetValue(share),
                HiddenCopyMinMessages = parse.GetValue(minMessages),
            }.WithIntel(ScanCommand.LoadIntel(context, [], ReportFormat.Json, cancellationToken)); // built-in + the local intel store
            var from = ParseDate(parse.GetValue(since), "--since");
            var to = ParseDate(parse.GetValue(until), "--until");
            if (to is { } u && parse.GetValue(until) is { Length: 10 })
            {
                // A bare date means the whole day: "--until 2025-09-30" includes mail sent that afternoon.
                to = u.AddDays(1).AddTicks(-1);
            }

            var progress = new StatusProgress(context);
            var inputPath = parse.GetValue(input);
            MailAuditResult result;
            if (inputPath is not null)
            {
                if (parse.GetValue(token) is not null || parse.GetValue(tokenEnv) is not null)
                {
                    throw new UserInputException("give either --input FILE or a Postmark token, not both.");
                }

                var path = Path.GetFullPath(inputPath, context.WorkingDirectory);
                var map = parse.GetValue(csvMap) is { } m ? CsvColumnMap.Parse(m) : null;
                result = await MailAuditRunner.AuditFileAsync(path, parse.GetValue(inputFormat), options, map, from, to, progress, cancellationToken);
            }
            else
            {
                var secret = ResolveToken(parse.GetValue(token), parse.GetValue(tokenEnv), context);
                var api = new PostmarkApiOptions
                {
                    ApiBase = ParseApiBase(parse.GetValue(apiBase)),
                    Since = from,
                    Until = to,
                    Details = Enum.Parse<PostmarkDetailsMode>(parse.GetValue(details) ?? "auto", ignoreCase: true),
                };
                result = await MailAuditRunner.AuditPostmarkAsync(secret, api, options, progress, cancellationToken);
            }

            context.StatusConsole.WriteLine(
                $"mail-audit: {result.MessagesScanned.ToString("N0", CultureInfo.InvariantCulture)} messages audited, " +
                $"{result.Recipients.Count} suspicious recipient(s){(result.Skipped > 0 ? $", {result.Skipped.ToString("N0", CultureInfo.InvariantCulture)} records skipped" : "")}.");
            return Emit(parse, format, report, result, context);
        });
        return command;
    }

    private static int Emit(ParseResult parse, Option<string> format, ReportOptions report, MailAuditResult result, CliContext context)
    {
        var asked = parse.GetValue(format) ?? "table";
        if (!SeverityNames.TryParse(parse.GetValue(report.FailOn), out var failOn))
        {
            throw new UserInputException($"--fail-on must be one of {string.Join(", ", SeverityNames.All)}.");
        }

        var document = result.ToReport();
        var output = parse.GetValue(report.Output) is { } o ? Path.GetFullPath(o, context.WorkingDirectory) : null;
        try
        {
            if (asked == "csv")
            {
                var csv = MailAuditCsvWriter.Write(result);
                if (output is null)
                {
                    context.Out.Write(csv);
                }
                else
                {
                    AtomicFile.WriteAllText(output, csv);
                }
            }
            else
            {
                ReportRenderer.Write(document, ReportRenderer.ParseFormat(asked), output, context.Out, context.Console);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot write --output {output}: {ex.Message}", ex);
        }

        return ReportRenderer.ExitCode(document, failOn);
    }

    /// <summary>The token from --postmark-token, the named variable, or POSTMARK_SERVER_TOKEN; errors never show a value.</summary>
    private static string ResolveToken(string? direct, string? variable, CliContext context)
    {
        if (direct is not null)
        {
            if (variable is not null)
            {
                throw new UserInputException("give either --postmark-token or --postmark-token-env, not both.");
            }

            context.StatusConsole.WriteLine($"note: a token on the command line is visible to other users of this machine; prefer {DefaultTokenVariable} or --postmark-token-env.");
            return direct;
        }

        var name = variable ?? DefaultTokenVariable;
        var value = context.GetEnvironmentVariable(name);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        throw variable is not null
            ? new UserInputException($"--postmark-token-env {name}: the environment variable is not set or empty.")
            : new UserInputException($"give --input FILE, or a Postmark token (set {DefaultTokenVariable}, or --postmark-token-env NAME).");
    }

    private static Uri ParseApiBase(string? text)
    {
        if (text is null)
        {
            return PostmarkApiOptions.DefaultApiBase;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UserInputException($"--api-base '{text}' is not an http(s) URL.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            // Not echoed: the user:password part is a secret, and the token goes in a header anyway.
            throw new UserInputException("--api-base must not contain credentials (user:password@); Postmark takes the token in a header.");
        }

        // Relative paths resolve against the base only when it ends with '/'.
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static DateTimeOffset? ParseDate(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
            ? d
            : throw new UserInputException($"{option} '{text}' is not a date (use ISO 8601, e.g. 2025-09-15 or 2025-09-15T10:00:00Z).");
    }

    private static IReadOnlyList<string> ReadExpected(string? file, CliContext context) =>
        file is null ? [] : ExpectedRecipientsFile.Read(Path.GetFullPath(file, context.WorkingDirectory));

    /// <summary>A status line on stderr at most every two seconds, so short runs print nothing and long ones show life.</summary>
    private sealed class StatusProgress(CliContext context) : IProgress<MailAuditProgress>
    {
        private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(2);
        private readonly long _start = TimeProvider.System.GetTimestamp();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(MailAuditProgress value)
        {
            var elapsed = TimeProvider.System.GetElapsedTime(_start);
            if (elapsed - _last < s_interval)
            {
                return;
            }

            _last = elapsed;
            var percent = value.TotalBytes > 0 ? $" ({100.0 * value.BytesRead / value.TotalBytes:0}% of the file)" : "";
            context.StatusConsole.WriteLine($"mail-audit: {value.Messages.ToString("N0", CultureInfo.InvariantCulture)} messages read{percent}…");
        }
    }
}
