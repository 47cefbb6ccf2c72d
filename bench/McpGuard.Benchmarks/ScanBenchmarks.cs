using System.Text.Json;
using BenchmarkDotNet.Attributes;
using McpGuard.Core.Intel;
using McpGuard.Verify.Discovery;
using McpGuard.Verify.Scan;

namespace McpGuard.Benchmarks;

/// <summary>
/// <c>mcpguard scan</c> on a generated home with 50 configured servers across six clients, offline, with an npx
/// cache of 50 entries. Baseline: only reading and parsing the same config files with System.Text.Json.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ScanBenchmarks
{
    private string _home = "";
    private string[] _files = [];
    private IntelDatabase _corpusIntel = IntelDatabase.BuiltIn;

    [GlobalSetup]
    public void Setup()
    {
        _home = Path.Combine(Path.GetTempPath(), $"mcpguard-bench-{Guid.NewGuid():N}");
        string[] files =
        [
            ".cursor/mcp.json", ".config/Claude/claude_desktop_config.json", ".claude.json",
            ".codeium/windsurf/mcp_config.json", ".gemini/settings.json", ".kiro/settings/mcp.json",
        ];
        var perFile = new Dictionary<string, List<string>>();
        for (var i = 0; i < 50; i++)
        {
            var file = files[i % files.Length];
            var entry = (i % 5) switch
            {
                0 => $$"""  "s{{i}}": { "command": "npx", "args": ["-y", "pkg-{{i}}"], "env": { "API_TOKEN": "plain-{{i}}", "REF": "${env:X}" } }""",
                1 => $$"""  "s{{i}}": { "command": "npx", "args": ["-y", "@scope/pkg-{{i}}@1.2.{{i}}"] }""",
                2 => $$"""  "s{{i}}": { "command": "uvx", "args": ["py-{{i}}==0.{{i}}.0"] }""",
                3 => $$"""  "s{{i}}": { "command": "docker", "args": ["run", "-i", "--rm", "img/{{i}}:latest"] }""",
                _ => $$"""  "s{{i}}": { "url": "https://remote-{{i}}.example.com/mcp", "headers": { "Authorization": "Bearer ${input:t}" } }""",
            };
            (perFile.TryGetValue(file, out var list) ? list : perFile[file] = []).Add(entry);
            var pj = Path.Combine(_home, ".npm", "_npx", $"h{i:x8}", "node_modules", $"pkg-{i}", "package.json");
            Directory.CreateDirectory(Path.GetDirectoryName(pj)!);
            File.WriteAllText(pj, $$"""{ "name": "pkg-{{i}}", "version": "1.0.{{i}}" }""");
        }

        foreach (var (file, entries) in perFile)
        {
            var path = Path.Combine(_home, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "{ \"mcpServers\": {\n" + string.Join(",\n", entries) + "\n} }\n");
        }

        _files = [.. perFile.Keys.Select(f => Path.Combine(_home, f))];
        // The shared corpus sits beside the repository (or beside the worktrees folder); find the nearest one.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var corpus = Path.Combine(dir.FullName, "shared", "corpus", "osv");
            if (Directory.Exists(corpus))
            {
                _corpusIntel = IntelDatabase.Create([OsvImporter.ImportDirectory(corpus).Intel]);
                break;
            }
        }

        if (_corpusIntel.AdvisoryCount < 1000)
        {
            throw new InvalidOperationException("shared/corpus/osv not found above " + AppContext.BaseDirectory);
        }

        var check = Scan(IntelDatabase.BuiltIn);
        if (check != 50)
        {
            throw new InvalidOperationException($"expected 50 servers, scanned {check}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_home, recursive: true);

    [Benchmark(Baseline = true, Description = "read+parse the 6 config files (System.Text.Json)")]
    public int ParseOnly()
    {
        var n = 0;
        foreach (var f in _files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(f));
            n += doc.RootElement.GetProperty("mcpServers").EnumerateObject().Count();
        }

        return n;
    }

    [Benchmark(Description = "scan 50 servers, built-in intel")]
    public int ScanBuiltIn() => Scan(IntelDatabase.BuiltIn);

    [Benchmark(Description = "scan 50 servers, + 1,187 OSV advisories (preloaded)")]
    public int ScanWithCorpus() => Scan(_corpusIntel);

    private int Scan(IntelDatabase intel) =>
        ConfigScanner.Scan(new DiscoveryOptions { Home = _home, HomeOverridden = true }, intel).Report.Servers.Count;
}
