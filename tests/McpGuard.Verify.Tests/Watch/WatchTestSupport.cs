using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpGuard.TestSupport;
using McpGuard.TestSupport.FakeApis;
using McpGuard.Verify.Watch;

namespace McpGuard.Verify.Tests.Watch;

/// <summary>Collects events; tests can await one that matches instead of sleeping.</summary>
internal sealed class CollectingSink : IWatchEventSink
{
    private readonly Channel<WatchEvent> _channel = Channel.CreateUnbounded<WatchEvent>();
    private readonly List<WatchEvent> _all = [];

    public IReadOnlyList<WatchEvent> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public ValueTask PublishAsync(WatchEvent watchEvent, CancellationToken cancellationToken)
    {
        lock (_all)
        {
            _all.Add(watchEvent);
        }

        _channel.Writer.TryWrite(watchEvent);
        return ValueTask.CompletedTask;
    }

    public async Task<WatchEvent> WaitForAsync(Func<WatchEvent, bool> match, TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var e = await _channel.Reader.ReadAsync(cts.Token);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching watch event within {timeout}; saw: {string.Join(" | ", All.Select(a => a.Summary))}");
        }
    }
}

/// <summary>One version to serve from <see cref="FakeNpmRegistry"/>.</summary>
internal sealed record FakeVersion(string Version, WatchFixtureKind Kind = WatchFixtureKind.Honest)
{
    public string Publisher { get; init; } = "alice";
    public string[] Maintainers { get; init; } = ["alice"];
    public bool Attested { get; init; }
    /// <summary>How long ago it was published; by default 60 days minus one hour per position, so versions are in order.</summary>
    public TimeSpan? Age { get; init; }

    /// <summary>When set, the packument publishes this integrity instead of the tarball's real one.</summary>
    public string? WrongIntegrity { get; init; }
}

internal static class WatchTestSupport
{
    /// <summary>Fast retries and no cooldown/burst, so a test sees only what it sets up.</summary>
    public static WatchOptions Options(Uri registry) => new()
    {
        Registry = registry,
        Cooldown = TimeSpan.Zero,
        BurstCount = 0,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetries = 2,
        AttemptTimeout = TimeSpan.FromSeconds(30),
    };

    public static WatchTarget Locked(string package, string baseline, string? integrity = null) => new()
    {
        Package = package,
        Baseline = baseline,
        BaselineSource = BaselineSource.Lock,
        BaselineIntegrity = integrity,
        Servers = [package + "-server"],
    };

    /// <summary>Builds the packument and tarballs for <paramref name="versions"/> and serves them; returns the real integrities.</summary>
    public static Dictionary<string, string> Serve(FakeNpmRegistry registry, TempDirectory work, string name, params FakeVersion[] versions)
    {
        var now = DateTimeOffset.UtcNow;
        var manifests = new JsonObject();
        var time = new JsonObject();
        var integrities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (v, i) in versions.Select((v, i) => (v, i)))
        {
            var dir = WatchFixturePackages.Write(work.Path, name, v.Version, v.Kind);
            var bytes = FakeNpmRegistry.Pack(dir);
            var url = registry.AddTarball(name, v.Version, bytes);
            integrities[v.Version] = FakeNpmRegistry.Sha512(bytes);
            var dist = new JsonObject { ["tarball"] = url.AbsoluteUri, ["integrity"] = v.WrongIntegrity ?? integrities[v.Version] };
            if (v.Attested)
            {
                dist["attestations"] = new JsonObject { ["url"] = "https://127.0.0.1/attestations", ["provenance"] = new JsonObject { ["predicateType"] = "https://slsa.dev/provenance/v1" } };
            }

            manifests[v.Version] = new JsonObject
            {
                ["name"] = name,
                ["version"] = v.Version,
                ["_npmUser"] = new JsonObject { ["name"] = v.Publisher, ["email"] = v.Publisher + "@example.test" },
                ["maintainers"] = new JsonArray([.. v.Maintainers.Select(m => (JsonNode?)new JsonObject { ["name"] = m, ["email"] = m + "@example.test" })]),
                ["dist"] = dist,
            };
            time[v.Version] = (now - (v.Age ?? TimeSpan.FromDays(60) + TimeSpan.FromHours(-i))).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        }

        registry.SetPackument(name, new JsonObject
        {
            ["name"] = name,
            ["dist-tags"] = new JsonObject { ["latest"] = versions[^1].Version },
            ["versions"] = manifests,
            ["time"] = time,
        });
        return integrities;
    }

    public static IReadOnlyList<string> Rules(this WatchEvent e) => [.. e.Reasons.Select(r => r.RuleId)];
}
