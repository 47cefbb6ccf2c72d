using System.Buffers;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using McpGuard.Core.Secrets;

namespace McpGuard.Benchmarks.TextRules;

/// <summary>
/// Cost of redaction on what the audit log sees: a typical tool-call message (about 1 KB of JSON), the same with
/// secrets, and 1 MB of tool output. Baseline: counting every occurrence of the token prefixes with a vectorised
/// IndexOfAny over the same text (a full pass, like the redactor's).
/// </summary>
[MemoryDiagnoser]
public class SecretRedactorBenchmarks
{
    private static readonly SearchValues<string> Prefixes = SearchValues.Create(["ghp_", "sk-", "AKIA", "xox", "eyJ", "PRIVATE KEY", "password", "token"], StringComparison.OrdinalIgnoreCase);
    private readonly SecretRedactor _redactor = new();
    private string _message = "";
    private string _messageWithSecrets = "";
    private string _output = "";
    private JsonNode _json = new JsonObject();

    [GlobalSetup]
    public void Setup()
    {
        _message = """{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"send_email","arguments":{"to":"alice@example.com","cc":"","subject":"Quarterly report","body":"Hi Alice,\n\nPlease find the figures for Q3 attached. Revenue grew 12% over Q2, churn fell to 2.1%, and the new onboarding flow cut time-to-value by a third. Let me know if you want the breakdown per region before Thursday's meeting.\n\nThanks,\nBob","attachments":[{"name":"q3.pdf","size":183224}],"tag":"reports","trackOpens":true}}}""";
        _messageWithSecrets = _message.Replace("\"tag\":\"reports\"", "\"apiKey\":\"abc123def456\",\"auth\":\"Bearer " + new string('x', 20) + "1\",\"github\":\"ghp_" + string.Concat(Enumerable.Repeat("aB3d", 9)) + "\"", StringComparison.Ordinal);
        _output = BenchData.Prose(1 << 20);
        _json = JsonNode.Parse(_messageWithSecrets)!;
        Console.WriteLine($"// message: {_message.Length} chars; output: {_output.Length} chars");
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("message")]
    public int Message_IndexOfAnyBaseline() => CountPrefixes(_message);

    [Benchmark]
    [BenchmarkCategory("message")]
    public string Message_Redact() => _redactor.Redact(_message);

    [Benchmark]
    [BenchmarkCategory("message")]
    public string MessageWithSecrets_Redact() => _redactor.Redact(_messageWithSecrets);

    // One argument value, as the audit redacts each string of a tool call's arguments: a short sentence, and the
    // bench harness's 64-character echo text (repeated 'x': every position starts a candidate "xox" Slack prefix).
    [Benchmark]
    [BenchmarkCategory("message")]
    public string Argument_Sentence_Redact() => _redactor.Redact("Please send the quarterly invoice to the finance team before Friday!");

    [Benchmark]
    [BenchmarkCategory("message")]
    public string Argument_EchoText_Redact() => _redactor.Redact(EchoText);

    private static readonly string EchoText = new('x', 64);

    [Benchmark]
    [BenchmarkCategory("message")]
    public JsonNode MessageWithSecrets_RedactInPlace()
    {
        var copy = _json.DeepClone();
        _redactor.RedactInPlace(copy);
        return copy;
    }

    [Benchmark]
    [BenchmarkCategory("output")]
    public int Output1MB_IndexOfAnyBaseline() => CountPrefixes(_output);

    private static int CountPrefixes(string text)
    {
        var count = 0;
        var span = text.AsSpan();
        for (var at = span.IndexOfAny(Prefixes); at >= 0; at = span.IndexOfAny(Prefixes))
        {
            count++;
            span = span[(at + 1)..];
        }

        return count;
    }

    [Benchmark]
    [BenchmarkCategory("output")]
    public string Output1MB_Redact() => _redactor.Redact(_output);
}
