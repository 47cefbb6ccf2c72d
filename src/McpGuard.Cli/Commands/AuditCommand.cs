using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpGuard.Audit;
using McpGuard.Core;
using McpGuard.Core.IO;
using McpGuard.Core.Reports;
using Spectre.Console;

namespace McpGuard.Cli.Commands;

/// <summary><c>mcpguard audit verify | show | export</c>: check the hash chain, list and export audit events.</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("audit", "Check the tamper-evident audit log, list its events, or export them.");
        command.Add(CreateVerify(context));
        command.Add(CreateShow(context));
        command.Add(CreateExport(context));
        return command;
    }

    /// <summary>The --audit option every subcommand shares; the default comes from the data directory.</summary>
    internal static Option<string?> AuditOption() => new("--audit")
    {
        Description = "The audit database (default: <data dir>/audit.db, where the data dir is $MCPGUARD_HOME, else " +
                      "$XDG_DATA_HOME/mcpguard, else ~/.local/share/mcpguard).",
        HelpName = "PATH",
    };

    internal static string ResolveAuditPath(ParseResult parse, Option<string?> audit, CliContext context) =>
        AuditLocation.ResolvePath(parse.GetValue(audit), context.GetEnvironmentVariable, context.WorkingDirectory);

    /// <summary>Opens the database (importing pending journals first) and tells stderr what could not be imported.</summary>
    private static AuditLogReader OpenReader(string path, CliContext context)
    {
        var reader = AuditLogReader.Open(path);
        foreach (var problem in reader.JournalProblems)
        {
            context.Error.WriteLine($"warning: {problem}");
        }

        return reader;
    }

    private static Command CreateVerify(CliContext context)
    {
        var audit = AuditOption();
        audit.Description += " A JSON Lines export (from 'audit export') is verified too.";
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format: text or json.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("verify",
            "Recompute the hash chain and report any edited, deleted, inserted, reordered or truncated record. " +
            "Exit 0 when intact, 1 when tampered, 2 when the file is missing or not an audit log.");
        command.Add(audit);
        command.Add(format);
        command.SetAction(parse =>
        {
            var path = ResolveAuditPath(parse, audit, context);
            var result = IsJsonl(path) ? VerifyExport(path) : VerifyDatabase(path, context);
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(VerificationJson(path, result));
            }
            else
            {
                WriteVerificationText(context.Out, path, result);
            }

            return result.Intact ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command;
    }

    private static AuditVerification VerifyDatabase(string path, CliContext context)
    {
        using var reader = OpenReader(path, context);
        return AuditChainVerifier.Verify(reader);
    }

    private static AuditVerification VerifyExport(string path)
    {
        using var text = new StreamReader(InputFile.OpenRead(path, "audit log"), Encoding.UTF8);
        return AuditChainVerifier.Verify(AuditJsonl.Read(text, path), head: null, headKnown: false);
    }

    /// <summary>An export starts with '{'; a SQLite file with its 16-byte magic. Anything else goes to the SQLite path, which says what is wrong.</summary>
    private static bool IsJsonl(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserInputException($"audit log {path} does not exist.");
        }

        using var stream = InputFile.OpenRead(path, "audit log");
        int b;
        while ((b = stream.ReadByte()) is ' ' or '\n' or '\r' or '\t')
        {
        }

        return b == '{';
    }

    private static void WriteVerificationText(TextWriter output, string path, AuditVerification v)
    {
        if (v.Intact)
        {
            output.WriteLine(v.Records == 0
                ? $"audit log {path}: intact (empty)."
                : $"audit log {path}: intact, {v.Records} records ({v.FirstSeq}-{v.LastSeq}), head {v.HeadHash}.");
            return;
        }

        var total = v.Problems.Count + v.MoreProblems;
        output.WriteLine($"audit log {path}: TAMPERED, {total} problem{(total == 1 ? "" : "s")} in {v.Records} records:");
        foreach (var p in v.Problems)
        {
            output.WriteLine($"  seq {p.Seq}: {KindName(p.Kind)}: {p.Message}");
        }

        if (v.MoreProblems > 0)
        {
            output.WriteLine($"  ... and {v.MoreProblems} more.");
        }
    }

    private static string VerificationJson(string path, AuditVerification v)
    {
        var problems = new JsonArray();
        foreach (var p in v.Problems)
        {
            problems.Add((JsonNode)new JsonObject { ["kind"] = KindName(p.Kind), ["seq"] = p.Seq, ["message"] = p.Message });
        }

        return new JsonObject
        {
            ["path"] = path,
            ["intact"] = v.Intact,
            ["records"] = v.Records,
            ["firstSeq"] = v.FirstSeq,
            ["lastSeq"] = v.LastSeq,
            ["headHash"] = v.HeadHash,
            ["problems"] = problems,
            ["moreProblems"] = v.MoreProblems,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string KindName(AuditProblemKind kind) => kind switch
    {
        AuditProblemKind.Edited => "edited",
        AuditProblemKind.Deleted => "deleted",
        AuditProblemKind.Inserted => "inserted",
        AuditProblemKind.Reordered => "reordered",
        AuditProblemKind.Truncated => "truncated",
        AuditProblemKind.BrokenLink => "broken-link",
        _ => "head-missing",
    };

    private static Command CreateShow(CliContext context)
    {
        var audit = AuditOption();
        var server = new Option<string?>("--server") { Description = "Only events of this server (exact name)." };
        var tool = new Option<string?>("--tool") { Description = "Only events about this tool (exact name)." };
        var decision = new Option<string?>("--decision") { Description = "Only events with this decision: allow, block, alert, error or info." };
        var kind = new Option<string?>("--kind") { Description = "Only events of this kind (message, decision, tool-call, egress, process...)." };
        var since = new Option<string?>("--since")
        {
            Description = "Only events at or after this time: ISO 8601 (2026-11-23T20:00Z) or an age such as 30m, 2h, 7d.",
            HelpName = "TIME",
        };
        var until = new Option<string?>("--until") { Description = "Only events before this time (same forms as --since).", HelpName = "TIME" };
        var limit = new Option<int>("--limit", "-n")
        {
            Description = "Show at most this many of the most recent matching events (0 for all).",
            DefaultValueFactory = _ => 100,
        };
        var format = new Option<string>("--format", "-f") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("show", "List audit events, oldest first, filtered by server, tool, decision, kind and time.");
        foreach (var o in new Option[] { audit, server, tool, decision, kind, since, until, limit, format })
        {
            command.Add(o);
        }

        command.SetAction(parse =>
        {
            var n = parse.GetValue(limit);
            if (n < 0)
            {
                throw new UserInputException("--limit must be 0 or more.");
            }

            var now = DateTimeOffset.UtcNow;
            var query = new AuditQuery
            {
                Server = parse.GetValue(server),
                Tool = parse.GetValue(tool),
                Decision = parse.GetValue(decision),
                Kind = parse.GetValue(kind),
                Since = ParseTime(parse.GetValue(since), "--since", now),
                Until = ParseTime(parse.GetValue(until), "--until", now),
                Limit = n == 0 ? null : n,
            };
            using var reader = OpenReader(ResolveAuditPath(parse, audit, context), context);
            var records = reader.Query(query).ToList();
            if (parse.GetValue(format) == "json")
            {
                var array = new JsonArray();
                foreach (var r in records)
                {
                    array.Add((JsonNode)ToJson(r, detailsAsObject: true));
                }

                context.Out.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in new[] { "Seq", "Time (UTC)", "Kind", "Server", "Tool", "Decision", "Reason" })
            {
                table.AddColumn(column);
            }

            foreach (var r in records)
            {
                table.AddRow(
                    r.Seq.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(r.Time.Length >= 19 ? r.Time[..19].Replace('T', ' ') : r.Time),
                    Markup.Escape(r.Kind),
                    Markup.Escape(r.Server ?? ""),
                    Markup.Escape(r.Tool ?? ""),
                    Markup.Escape(r.Decision),
                    Markup.Escape(Shorten(r.RuleId is null ? r.Reason ?? "" : $"{r.RuleId} {r.Reason}", 80)));
            }

            context.Console.Write(table);
            context.Console.WriteLine($"{records.Count} event{(records.Count == 1 ? "" : "s")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateExport(CliContext context)
    {
        var audit = AuditOption();
        var format = new Option<string>("--format", "-f")
        {
            Description = "Export format: jsonl (one record per line, with prevHash and entryHash so the chain can be re-verified).",
            DefaultValueFactory = _ => "jsonl",
        };
        format.AcceptOnlyFromAmong("jsonl");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (atomically) instead of stdout.", HelpName = "FILE" };
        var command = new Command("export", "Export every audit record with its hashes, for archiving or re-verification elsewhere ('audit verify --audit FILE').");
        command.Add(audit);
        command.Add(format);
        command.Add(output);
        command.SetAction(parse =>
        {
            using var reader = OpenReader(ResolveAuditPath(parse, audit, context), context);
            var target = parse.GetValue(output);
            if (target is null)
            {
                reader.ReadSnapshot((_, records) => AuditJsonl.Write(records, context.Out));
                return ExitCodes.Ok;
            }

            var full = Path.GetFullPath(target, context.WorkingDirectory);
            WriteAtomically(full, stream => reader.ReadSnapshot((_, records) => AuditJsonl.Write(records, stream)));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Streams into a temporary file beside <paramref name="path"/>, flushes it to disk, then renames it over the target.</summary>
    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var dir = Path.GetDirectoryName(path) ?? ".";
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(tmp);
            throw new UserInputException($"cannot write --output {path}: {ex.Message}", ex);
        }
    }

    internal static JsonObject ToJson(AuditRecord r, bool detailsAsObject)
    {
        JsonNode? details = r.Details;
        if (detailsAsObject && r.Details is not null)
        {
            try
            {
                details = JsonNode.Parse(r.Details);
            }
            catch (JsonException)
            {
                // A tampered row may hold anything; show it as text rather than fail the listing.
                details = r.Details;
            }
        }

        return new JsonObject
        {
            ["seq"] = r.Seq,
            ["time"] = r.Time,
            ["kind"] = r.Kind,
            ["server"] = r.Server,
            ["direction"] = r.Direction,
            ["method"] = r.Method,
            ["tool"] = r.Tool,
            ["requestId"] = r.RequestId,
            ["decision"] = r.Decision,
            ["reason"] = r.Reason,
            ["ruleId"] = r.RuleId,
            ["details"] = details,
            ["prevHash"] = r.PrevHash,
            ["entryHash"] = r.EntryHash,
        };
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    /// <summary>ISO 8601 (UTC when no offset is given) or an age: 45s, 30m, 2h, 7d.</summary>
    internal static DateTimeOffset? ParseTime(string? value, string option, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var v = value.Trim();
        if (v.Length >= 2 && char.IsAsciiLetter(v[^1]) && long.TryParse(v[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? age = char.ToLowerInvariant(v[^1]) switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (age is { } a)
            {
                return now - a;
            }
        }

        if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }

        throw new UserInputException($"{option}: '{value}' is neither an ISO 8601 time nor an age such as 30m, 2h or 7d.");
    }
}
