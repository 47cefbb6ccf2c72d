using System.Collections.Concurrent;
using System.Security.Cryptography;
using McpGuard.Audit;
using McpGuard.Core.Intel;
using McpGuard.Core.Rules;
using McpGuard.Demo.FakeApis;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Analysis.ToolDescriptions;
using McpGuard.Verify.Diff;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Packages;
using McpGuard.Verify.Scan;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpGuard.Demo;

/// <summary>
/// The postmark-mcp incident replayed on local assets, through the real product: scan a client config, diff the
/// honest and the backdoored server, run each under <c>mcpguard run</c> (a separate McpGuard process, started by the
/// official MCP C# client the way an AI client would) in front of a fake Postmark API on 127.0.0.1, and verify the
/// audit log. Writes a short narrative to <c>narrative</c>; every step checks what it shows.
/// </summary>
public sealed class DemoScenario(DemoOptions options, TextWriter narrative, TextWriter status)
{
    public const string HiddenRecipient = "phan@giftshop.club";
    public const string Recipient = "alice@example.com";
    public const string Sender = "billing@example.com";
    private const string SecretName = "POSTMARK_SERVER_TOKEN";

    private readonly List<DemoStep> _steps = [];

    private string AuditPath => Path.Combine(options.WorkFolder, "audit.db");

    public IReadOnlyList<DemoStep> Steps => _steps;

    /// <summary>Runs every step (a failed step does not stop the next ones) and returns whether all behaved as expected.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken = default)
    {
        await narrative.WriteLineAsync("McpGuard demo: the postmark-mcp incident (Sept. 2025), replayed on bundled synthetic fixtures. Only 127.0.0.1 is used.");
        await narrative.WriteLineAsync();
        Scan(cancellationToken);
        Diff(cancellationToken);

        // A fresh random token each run: it is the "real" credential, known only to McpGuard and the fake API.
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using (var api = await FakePostmarkApi.StartAsync(token, cancellationToken))
        {
            var caPem = api.CertificateAuthority.WritePem(options.WorkFolder);
            await SendAsync(api, caPem, token, DemoAssets.HonestFolder, cancellationToken);
            await SendAsync(api, caPem, token, DemoAssets.BackdooredFolder, cancellationToken);
        }

        status.WriteLine("demo: verifying the audit log");
        VerifyAudit();
        var failed = _steps.Where(s => !s.Passed).ToList();
        await narrative.WriteLineAsync();
        await narrative.WriteLineAsync(failed.Count == 0
            ? "Result: every step behaved as expected."
            : $"Result: {failed.Count} step(s) did NOT behave as expected: " + string.Join("; ", failed.Select(f => $"{f.Name}: {f.Summary}")));
        return failed.Count == 0;
    }

    private void Record(string name, bool passed, string summary)
    {
        _steps.Add(new DemoStep(name, passed, summary));
        if (!passed)
        {
            narrative.WriteLine($"   UNEXPECTED: {summary}");
        }
    }

    private void Scan(CancellationToken cancellationToken)
    {
        var home = Path.Combine(options.WorkFolder, "home");
        DemoHome.Write(home);
        narrative.WriteLine("1. scan: a Cursor config (in a throwaway home) launches `npx -y postmark-mcp`.");

        // Only the built-in intel, and none of the user's environment: the demo shows the same thing on every machine.
        var intel = IntelDatabase.LoadDefault(_ => null, home);
        var result = ConfigScanner.Scan(new DiscoveryOptions { Home = home, HomeOverridden = true }, intel, cancellationToken);
        var server = result.Report.Servers.FirstOrDefault(s => s.Name == DemoHome.ServerName);
        if (server is null)
        {
            Record("scan", false, $"the scan did not find the '{DemoHome.ServerName}' server in {DemoHome.CursorConfig(home)}");
            return;
        }

        var package = server.Package is { } p ? $"{p.Name}@{p.Version ?? "?"}{(p.Pinned ? "" : " (unpinned)")}" : "an unknown package";
        narrative.WriteLine($"   found '{server.Name}' in {server.Client}'s config: runs {package}");
        foreach (var finding in server.Findings.OrderByDescending(f => f.Severity))
        {
            narrative.WriteLine($"   {finding.Severity.ToString().ToUpperInvariant(),-8} {finding.RuleId} {finding.Title}");
        }

        var unpinned = server.Findings.Any(f => f.RuleId == ScanRules.UnpinnedLaunch.Id);
        Record("scan", unpinned, unpinned ? "found, unpinned" : $"no {ScanRules.UnpinnedLaunch.Id} (unpinned launch) finding for '{server.Name}'");
    }

    private void Diff(CancellationToken cancellationToken)
    {
        narrative.WriteLine();
        narrative.WriteLine("2. diff: what the update from 1.0.15 to 1.0.16 adds (both versions are synthetic copies of the email server).");
        var loader = new PackageLoader(registry: null);
        var oldPackage = loader.FromDirectory(Path.Combine(options.ServerPackage, DemoAssets.HonestFolder));
        var newPackage = loader.FromDirectory(Path.Combine(options.ServerPackage, DemoAssets.BackdooredFolder));
        var result = new PackageDiffer(new PackageAnalyzer(new ToolDescriptionScanner(), loader.Limits), loader).Diff(oldPackage, newPackage, cancellationToken);
        narrative.WriteLine($"   Verdict: {result.Verdict.Decision} (score {result.Verdict.Score:0.0}/10)");
        foreach (var item in result.Items.Take(3))
        {
            var where = item.Finding.Location is { } l ? $"{l.File}:{l.Line}" : "";
            narrative.WriteLine($"   {item.Finding.Severity.ToString().ToUpperInvariant(),-8} {item.Finding.RuleId} {where} {item.Finding.Message}");
        }

        var bcc = result.Items.FirstOrDefault(i => i.Finding.Message.Contains(HiddenRecipient, StringComparison.Ordinal) && i.Finding.Location?.Line is not null);
        if (bcc?.Finding.Location is { Line: { } line } location)
        {
            var source = File.ReadAllLines(Path.Combine(options.ServerPackage, DemoAssets.BackdooredFolder, location.File));
            var text = line >= 1 && line <= source.Length ? source[line - 1].Trim() : "?";
            narrative.WriteLine($"   the added line, {location.File}:{line}:  + {text}");
        }

        var passed = result.Verdict.Decision == "block" && bcc is not null;
        Record("diff", passed, passed ? "block, Bcc line named" : $"verdict '{result.Verdict.Decision}', hidden Bcc {(bcc is null ? "not " : "")}named");
    }

    private async Task SendAsync(FakePostmarkApi api, string caPem, string token, string variant, CancellationToken cancellationToken)
    {
        var honest = variant == DemoAssets.HonestFolder;
        var step = honest ? "run 1.0.15" : "run 1.0.16";
        narrative.WriteLine();
        narrative.WriteLine(honest
            ? $"3. run: 1.0.15 under `mcpguard run` ({SandboxDescription}); an MCP client asks it to email {Recipient}."
            : "4. run: 1.0.16, same call.");

        var script = Path.Combine(options.ServerPackage, variant, "index.js");
        string[] runArgs =
        [
            "run", "--name", DemoHome.ServerName, "--sandbox", options.Sandbox, "--audit", AuditPath,
            "--allow-host", FakePostmarkApi.HostName,
            "--egress-resolve", $"{FakePostmarkApi.HostName}={api.EndPoint}",
            "--egress-trust-ca", caPem,
            "--egress-secret", $"{SecretName}@{FakePostmarkApi.HostName}:X-Postmark-Server-Token",
            "--", "node", script,
        ];
        status.WriteLine($"demo: starting {string.Join(' ', options.GuardCommand.Select(Path.GetFileName))} {string.Join(' ', runArgs.Take(6))} ... -- node {variant}/index.js");
        var auditBefore = AuditHeadSeq();
        var guardStderr = new ConcurrentQueue<string>();
        var before = api.Received.Count;
        CallToolResult? result = null;
        string? failure = null;
        try
        {
            var transport = new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = $"mcpguard run ({variant})",
                Command = options.GuardCommand[0],
                Arguments = [.. options.GuardCommand.Skip(1), .. runArgs],
                WorkingDirectory = options.WorkFolder,
                EnvironmentVariables = new Dictionary<string, string?>
                {
                    // The guarded run keeps its CA, egress socket and state in the demo's folder, not the user's.
                    [Core.DataDirectory.HomeVariable] = Path.Combine(options.WorkFolder, "mcpguard-home"),
                    // McpGuard holds the real token; the server only ever sees a placeholder (--egress-secret).
                    [SecretName] = token,
                },
                StandardErrorLines = guardStderr.Enqueue,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            });
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.CallTimeout);
            await using var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
            result = await client.CallToolAsync(
                "sendEmail",
                // The sender is named in the call too: an address the call never mentions is flagged (MCPG605) even when honest.
                new Dictionary<string, object?> { ["to"] = Recipient, ["from"] = Sender, ["subject"] = "Invoice 42", ["textBody"] = "Hello Alice, your invoice is attached." },
                cancellationToken: timeout.Token);
        }
        catch (Exception ex) when (ex is McpException or IOException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            failure = ex.Message;
        }

        var text = result is null ? "" : string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        var received = api.Received.Skip(before).ToList();
        // The audit log, read after the guarded run has exited, is the record of every alert; stderr lines are
        // preferred for display (they also name method, host and path) but arrive on their own pipe, maybe later.
        var alerts = EgressAlertsSince(auditBefore)
            .Select(a => guardStderr.FirstOrDefault(l => l.Contains(a.RuleId, StringComparison.Ordinal) && l.Contains(a.Reason, StringComparison.Ordinal)) ?? a.Line)
            .ToList();
        if (failure is not null)
        {
            Record(step, false, $"the guarded server could not be used: {failure}. McpGuard said: {Tail(guardStderr)}");
            return;
        }

        foreach (var other in alerts.Where(a => !a.Contains(HiddenRecipient, StringComparison.Ordinal)))
        {
            // Shown, not hidden: a flag is McpGuard noting something for review without stopping the request.
            narrative.WriteLine($"   {other.Replace("mcpguard: ", "", StringComparison.Ordinal)}");
        }

        if (honest)
        {
            var delivered = result is { IsError: not true } && received.Count == 1 && received[0].Token == token
                && received[0].Body.Contains(Recipient, StringComparison.Ordinal);
            narrative.WriteLine($"   tool result: {text}");
            narrative.WriteLine($"   fake Postmark API received {received.Count} email(s), to {Recipient}, with the real token: McpGuard swapped it in for {FakePostmarkApi.HostName} only.");
            Record(step, delivered, delivered ? "delivered" : $"expected one delivered email with the real token; got {received.Count} request(s), tool result '{text}'. McpGuard said: {Tail(guardStderr)}");
            return;
        }

        var alert = alerts.FirstOrDefault(a => a.Contains(HiddenRecipient, StringComparison.Ordinal));
        var leaked = api.SawText(HiddenRecipient);
        narrative.WriteLine(alert is null ? "   no egress alert was raised" : $"   {alert.Replace("mcpguard: ", "", StringComparison.Ordinal)}");
        narrative.WriteLine($"   tool result: {text}");
        narrative.WriteLine(leaked
            ? $"   the fake Postmark API RECEIVED a request naming {HiddenRecipient}"
            : $"   the fake Postmark API received nothing for {HiddenRecipient} ({received.Count} request(s) in this run).");
        var blocked = alert is not null && !leaked && received.Count == 0 && result is not null && !text.Contains("Email sent", StringComparison.Ordinal);
        Record(step, blocked, blocked ? "blocked, recipient named" : $"expected a block naming {HiddenRecipient} and nothing at the API; alert: {alert ?? "none"}, API requests: {received.Count}, leaked: {leaked}. McpGuard said: {Tail(guardStderr)}");
    }

    private void VerifyAudit()
    {
        narrative.WriteLine();
        narrative.WriteLine("5. audit verify: the hash-chained audit log of both runs.");
        if (!File.Exists(AuditPath))
        {
            Record("audit", false, $"no audit log at {AuditPath}");
            return;
        }

        using var reader = AuditLogReader.Open(AuditPath);
        var verification = AuditChainVerifier.Verify(reader);
        var blocks = reader.Query(new AuditQuery { Kind = "egress", Decision = "block" })
            .Count(r => (r.Reason ?? "").Contains(HiddenRecipient, StringComparison.Ordinal) || (r.Details ?? "").Contains(HiddenRecipient, StringComparison.Ordinal));
        narrative.WriteLine(verification.Intact
            ? $"   {verification.Records} events, hash chain intact; {blocks} egress block naming {HiddenRecipient}."
            : $"   TAMPERED: {string.Join("; ", verification.Problems.Select(p => p.Message))}");
        Record("audit", verification.Intact && blocks > 0, verification.Intact ? (blocks > 0 ? "intact" : "intact, but no block event names the recipient") : "chain broken");
    }

    private long AuditHeadSeq()
    {
        if (!File.Exists(AuditPath))
        {
            return 0;
        }

        using var reader = AuditLogReader.Open(AuditPath);
        return reader.ReadHead()?.Seq ?? 0;
    }

    /// <summary>Egress blocks and flags recorded after <paramref name="seq"/>, as display lines.</summary>
    private List<(string RuleId, string Reason, string Line)> EgressAlertsSince(long seq)
    {
        if (!File.Exists(AuditPath))
        {
            return [];
        }

        using var reader = AuditLogReader.Open(AuditPath);
        return [.. reader.Query(new AuditQuery { Kind = "egress" })
            .Where(r => r.Seq > seq && r.Decision is "block" or "alert")
            .Select(r => (r.RuleId ?? "", r.Reason ?? "", $"{(r.Decision == "block" ? "BLOCKED" : "FLAGGED")} {r.RuleId} [{r.Server}] {r.Reason}"))];
    }

    private string SandboxDescription => options.Sandbox == "bwrap"
        ? "bubblewrap sandbox with no network but McpGuard's egress proxy; the server gets a placeholder token"
        : "NO sandbox, bubblewrap is not in use: proxy-environment mode, weaker, the server could bypass the proxy; it gets a placeholder token";

    private static string Tail(IEnumerable<string> lines) => string.Join(" | ", lines.TakeLast(5));
}
