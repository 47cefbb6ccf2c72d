using BenchmarkDotNet.Attributes;
using McpGuard.Core.Tools;
using McpGuard.Verify.Analysis.ToolDescriptions;

namespace McpGuard.Benchmarks.TextRules;

/// <summary>
/// Throughput of the MCPG3xx rules: the whole labelled corpus (562 tool definitions) and a 1 MB tool output, each next
/// to a baseline that only does two IndexOf scans (ordinal, over the lower-cased text prepared in setup) of the same text.
/// </summary>
[MemoryDiagnoser]
public class ToolDescriptionBenchmarks
{
    private readonly ToolDescriptionScanner _scanner = new();
    private ToolDefinition[] _tools = [];
    private string[] _texts = [];
    private string _output = "";
    private string _outputLower = "";

    [GlobalSetup]
    public void Setup()
    {
        _tools = ToolDefinitionsFile.Load(BenchData.CorpusFile()).Select(t => t.Tool).ToArray();
        _texts = _tools.Select(t => (t.Name + "\n" + t.Description + "\n" + t.InputSchema?.ToJsonString()).ToLowerInvariant()).ToArray();
        _output = BenchData.Prose(1 << 20);
        _outputLower = _output.ToLowerInvariant();
        Console.WriteLine($"// corpus: {_tools.Length} tools, {_texts.Sum(t => t.Length)} chars; output: {_output.Length} chars");
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("corpus")]
    public int Corpus_IndexOfBaseline()
    {
        var hits = 0;
        foreach (var text in _texts)
        {
            hits += text.Contains("<important>", StringComparison.Ordinal) || text.Contains("ignore previous", StringComparison.Ordinal) ? 1 : 0;
        }

        return hits;
    }

    [Benchmark]
    [BenchmarkCategory("corpus")]
    public int Corpus_Scan()
    {
        var findings = 0;
        foreach (var tool in _tools)
        {
            findings += _scanner.Scan(tool).Count;
        }

        return findings;
    }

    [Benchmark]
    [BenchmarkCategory("output")]
    public int Output1MB_IndexOfBaseline() =>
        (_outputLower.Contains("<important>", StringComparison.Ordinal) ? 1 : 0) + (_outputLower.Contains("ignore previous", StringComparison.Ordinal) ? 1 : 0);

    [Benchmark]
    [BenchmarkCategory("output")]
    public int Output1MB_ScanText() => _scanner.ScanText(_output, "bench").Count;
}
