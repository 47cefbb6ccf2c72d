using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using McpGuard.Runtime.Proxy;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpGuard.Benchmarks;

/// <summary>
/// Per-frame cost of the proxy's hot path (UTF-8 check + envelope peek; what every uninspected frame pays) against
/// the SDK's parse + re-serialize of the same message (the baseline a proxy built on SDK transports pays).
/// </summary>
[MemoryDiagnoser]
public class ProxyFrameBenchmarks
{
    private byte[] _frame = [];

    [Params(274, 20_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var head = "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"";
        const string tail = "\"}]}}";
        _frame = Encoding.UTF8.GetBytes(head + new string('x', Size - head.Length - tail.Length) + tail);
    }

    [Benchmark(Baseline = true, Description = "SDK Deserialize<JsonRpcMessage> + SerializeToUtf8Bytes")]
    public int SdkRoundTrip()
    {
        var message = JsonSerializer.Deserialize(_frame, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        return JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage))).Length;
    }

    [Benchmark(Description = "mcpguard Utf8.IsValid + Envelope.Peek")]
    public FrameKind GuardPeek() => Utf8.IsValid(_frame) ? Envelope.Peek(_frame, 64).Kind : FrameKind.Invalid;
}
