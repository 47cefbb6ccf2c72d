using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using McpGuard.TestSupport.FakeApis;
using McpGuard.Verify.Watch;

namespace McpGuard.Benchmarks;

/// <summary>
/// `mcpguard watch` costs that repeat every interval. (1) A quiet cycle over 50 packages whose packuments have not
/// changed (50 conditional GETs answered 304), against the baseline of 50 bare HttpClient GETs with If-None-Match to
/// the same Kestrel registry. (2) Checking one 1,000-version packument (shape validation + the publisher, provenance,
/// burst and cooldown signals for one version), against the baseline of only parsing it with System.Text.Json.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class WatchBenchmarks
{
    private const int Packages = 50;
    private FakeNpmRegistry _registry = null!;
    private HttpClient _bare = null!;
    private HttpClient _watchHttp = null!;
    private WatchRunner _runner = null!;
    private readonly List<WatchTarget> _targets = [];
    private readonly Dictionary<string, string> _etags = [];
    private byte[] _bigPackument = [];
    private readonly WatchOptions _signalOptions = new();

    [GlobalSetup]
    public void Setup()
    {
        _registry = FakeNpmRegistry.StartAsync().GetAwaiter().GetResult();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Packages; i++)
        {
            var name = $"bench-pkg-{i}";
            var packument = Packument(name, 20, now);
            _registry.SetPackument(name, packument);
            _targets.Add(new WatchTarget { Package = name, Baseline = "1.0.19", BaselineSource = BaselineSource.Lock, Servers = [name] });
        }

        _bare = new HttpClient();
        var options = new WatchOptions { Registry = _registry.Url };
        _watchHttp = WatchHttp.CreateClient(options);
        _runner = WatchRunner.Create(options, _watchHttp, [], statePath: null);

        // First cycle: fetches every packument in full and remembers the ETags (nothing newer than 1.0.19).
        _runner.RunCycleAsync(_targets, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var t in _targets)
        {
            using var r = _bare.GetAsync(new Uri(_registry.Url, t.Package)).GetAwaiter().GetResult();
            _etags[t.Package] = r.Headers.ETag!.ToString();
        }

        _bigPackument = Encoding.UTF8.GetBytes(Packument("big-pkg", 1000, now).ToJsonString());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _watchHttp.Dispose();
        _registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "baseline: 50 bare conditional GETs (304)")]
    public async Task<int> BareConditionalGets()
    {
        var n = 0;
        foreach (var t in _targets)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_registry.Url, t.Package));
            request.Headers.TryAddWithoutValidation("If-None-Match", _etags[t.Package]);
            using var response = await _bare.SendAsync(request);
            n += (int)response.StatusCode;
        }

        return n;
    }

    [Benchmark(Description = "watch: quiet cycle over 50 packages (304 each)")]
    public async Task<int> QuietCycle() => (await _runner.RunCycleAsync(_targets, CancellationToken.None)).Events.Count;

    [Benchmark(Description = "baseline: JsonNode.Parse of a 1,000-version packument")]
    public JsonNode? ParseBig() => JsonNode.Parse(_bigPackument);

    [Benchmark(Description = "watch: parse + validate + signals, 1,000-version packument")]
    public int ValidateAndSignalsBig()
    {
        PackumentFetcher.Validate(_bigPackument, "big-pkg", out var packument);
        return WatchSignals.Evaluate(packument!, "1.0.998", "1.0.999", DateTimeOffset.UtcNow, _signalOptions).Count;
    }

    private static JsonObject Packument(string name, int count, DateTimeOffset now)
    {
        var versions = new JsonObject();
        var time = new JsonObject();
        for (var v = 0; v < count; v++)
        {
            var version = $"1.0.{v}";
            versions[version] = new JsonObject
            {
                ["name"] = name,
                ["version"] = version,
                ["description"] = "benchmark packument entry with a typical amount of metadata in it",
                ["_npmUser"] = new JsonObject { ["name"] = "alice", ["email"] = "alice@example.test" },
                ["maintainers"] = new JsonArray(new JsonObject { ["name"] = "alice", ["email"] = "alice@example.test" }),
                ["dependencies"] = new JsonObject { ["zod"] = "^3.23.8", ["@modelcontextprotocol/sdk"] = "^1.12.1" },
                ["dist"] = new JsonObject
                {
                    ["tarball"] = $"http://127.0.0.1/{name}/-/{name}-{version}.tgz",
                    ["integrity"] = "sha512-" + new string('A', 86) + "==",
                    ["attestations"] = new JsonObject { ["url"] = "https://127.0.0.1/att" },
                },
            };
            time[version] = now.AddDays(-count + v).ToString("O");
        }

        return new JsonObject { ["name"] = name, ["versions"] = versions, ["time"] = time };
    }
}
